"""Machine API of certification: the public check of a certificate number (what ``/verify/`` shows)."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import get
from litestar.params import FromPath

from pilotzone.api.openapi import PUBLIC_PROBLEMS, problems, security
from pilotzone.api.principal import needs
from pilotzone.api.problems import ApiProblem
from pilotzone.certification import certificates


class ApiCertificate(msgspec.Struct):
    number: str
    state: str  # valid | expired | revoked | renewed
    scheme_name_zh: str
    scheme_name_en: str
    subject: str
    tenant_name_zh: str
    tenant_name_en: str
    issuer_zh: str
    issuer_en: str
    issued_at: datetime
    valid_from: datetime | None
    valid_until: datetime
    renewed_number: str | None


@get("/api/v1/verify/{certificate:str}", name="api_verify", opt=needs(None), security=security(None),
     responses=problems(*PUBLIC_PROBLEMS), tags=["certification"],
     summary="Check a certificate number (public, no token)")
async def verify(certificate: FromPath[str]) -> ApiCertificate:
    found = await certificates.verify(certificate.strip())
    if found is None:
        raise ApiProblem(404, "No certificate with this number.")
    return ApiCertificate(
        number=found["number"], state=found["state"], scheme_name_zh=found["scheme_name_zh"],
        scheme_name_en=found["scheme_name_en"], subject=found["subject_label"],
        tenant_name_zh=found["tenant_name_zh"], tenant_name_en=found["tenant_name_en"],
        issuer_zh=found["issuer_zh"], issuer_en=found["issuer_en"], issued_at=found["issued_at"],
        valid_from=found["valid_from"], valid_until=found["valid_until"], renewed_number=found["renewed_number"],
    )


API = [verify]
