"""Imports every module that declares actors, so a worker knows them all."""

import pilotzone.certification.expiry  # noqa: F401
import pilotzone.certification.issuing  # noqa: F401
import pilotzone.funding.calculation  # noqa: F401
import pilotzone.overview.reports  # noqa: F401
import pilotzone.overview.rollups  # noqa: F401
import pilotzone.tenancy.jobs  # noqa: F401
