"""Machine API of funding: a pilot zone's active programs and their rounds (public: what the policy
pages 政策公开 show)."""

from __future__ import annotations

from datetime import date

import msgspec
from litestar import get
from litestar.params import FromPath

from pilotzone.api.openapi import PUBLIC_PROBLEMS, problems, security
from pilotzone.api.principal import needs
from pilotzone.funding import services


class ApiRound(msgspec.Struct):
    key: str
    name_zh: str
    name_en: str
    budget_cny: str  # Decimal, 2 places
    opens: date
    closes: date
    status: str


class ApiProgram(msgspec.Struct):
    key: str
    name_zh: str
    name_en: str
    subject: str
    version: int
    rounds: list[ApiRound]


@get("/api/v1/z/{slug:str}/programs", name="api_programs", opt=needs(None), security=security(None),
     responses=problems(*PUBLIC_PROBLEMS), tags=["funding"],
     summary="The pilot zone's public funding programs and their rounds (no token)")
async def programs(slug: FromPath[str]) -> list[ApiProgram]:
    answer = []
    for p in await services.programs():
        rounds = [
            ApiRound(key=r["key"], name_zh=r["name_zh"], name_en=r["name_en"], budget_cny=f"{r['budget']:.2f}",
                     opens=r["opens_at"], closes=r["closes_at"], status=r["status"])
            for r in await services.rounds_of(p["id"])
        ]
        answer.append(ApiProgram(key=p["key"], name_zh=p["name_zh"], name_en=p["name_en"], subject=p["subject"],
                                 version=p["version"], rounds=rounds))
    return answer


API = [programs]
