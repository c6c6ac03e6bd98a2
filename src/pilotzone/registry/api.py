"""Machine API of the registry: an enterprise of the tenant by its USCC (scope ``registry:read``)."""

from __future__ import annotations

import msgspec
from litestar import get
from litestar.params import FromPath

from pilotzone import db
from pilotzone.api.codes import Scope
from pilotzone.api.openapi import TOKEN_PROBLEMS, problems, security
from pilotzone.api.principal import needs
from pilotzone.api.problems import ApiProblem


class ApiWarehouse(msgspec.Struct):
    id: int
    country: str  # ISO 3166-1 alpha-2
    city: str
    floor_area: str  # m², 2 decimals
    status: str


class ApiEnterprise(msgspec.Struct):
    id: int
    uscc: str
    name: str
    status: str  # active | pending
    park: str | None
    district_code: str
    credit_status: str
    warehouses: list[ApiWarehouse]


_ENTERPRISE = (
    "SELECT e.id, e.uscc, e.name, e.status, p.name_zh AS park, e.district_code, e.credit_status "
    "FROM enterprise e LEFT JOIN park p ON p.tenant_id = e.tenant_id AND p.id = e.park "
    "WHERE e.uscc = $1 AND e.status <> 'rejected'"
)
_WAREHOUSES = (
    "SELECT id, country, city, floor_area, status FROM overseas_warehouse WHERE enterprise = $1 ORDER BY id"
)


@get("/api/v1/z/{slug:str}/enterprises/{uscc:str}", name="api_enterprise", opt=needs(Scope.REGISTRY_READ),
      security=security(Scope.REGISTRY_READ), responses=problems(*TOKEN_PROBLEMS),
      tags=["registry"], summary="An enterprise of the pilot zone by its unified social credit code")
async def enterprise(slug: FromPath[str], uscc: FromPath[str]) -> ApiEnterprise:
    rows = await db.fetch(_ENTERPRISE, uscc.strip().upper())
    if not rows:
        raise ApiProblem(404, f"No enterprise with USCC '{uscc}' in this pilot zone.")
    row = rows[0]
    warehouses = [
        ApiWarehouse(id=w["id"], country=w["country"], city=w["city"], floor_area=f"{w['floor_area']:.2f}",
                     status=w["status"])
        for w in await db.fetch(_WAREHOUSES, row["id"])
    ]
    return ApiEnterprise(
        id=row["id"], uscc=row["uscc"], name=row["name"], status=row["status"], park=row["park"],
        district_code=row["district_code"], credit_status=row["credit_status"], warehouses=warehouses,
    )


API = [enterprise]
