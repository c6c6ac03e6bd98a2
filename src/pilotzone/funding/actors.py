"""The job kinds of this package; the composition root collects ``ACTORS`` (``pilotzone.actors``)."""

from pilotzone.funding.calculation import calculation_step

ACTORS = (calculation_step,)
