"""One file per enterprise (一企一档) and per park, and the bureau's search that leads to it.

The composition root (README "Layers"): the domains never import each other, so each exports what it
knows about one subject as typed rows (``registry.dossier``, ``certification.dossier``,
``funding.dossier``) and this module puts them on one page, with the documents and the audit trail
of every object the file names. Who may open a file: the bureau (admin, reviewers), a district
reviewer only for a subject of its district, provincial staff (read); anybody else gets 403 from the
route's guard, a district reviewer outside its district 404 (``registry.dossier.may_open``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from pilotzone import db
from pilotzone.auth.dependencies import CurrentPrincipal
from pilotzone.auth.guards import allow, tenant
from pilotzone.auth.principal import Principal
from pilotzone.certification import dossier as certified
from pilotzone.funding import dossier as funded
from pilotzone.registry import dossier as registry
from pilotzone.trade import dossier as traded
from pilotzone.web.deadlines import tenant_today
from pilotzone.web.labels import audit_action, label
from pilotzone.web.render import render
from pilotzone.workflow import dossier as workflow_dossier
from pilotzone.workflow.states import Kind

FILE_READERS = tenant("bureau_admin", "bureau_reviewer", "district_reviewer")
AUDIT_SHOWN = 200
DOCUMENTS_SHOWN = 500

_DOCUMENTS = f"""
SELECT d.id, d.owner_kind, d.owner_id, d.filename, d.content_type, d.size, d.uploaded_at
  FROM document d
 WHERE (d.owner_kind, d.owner_id) IN (SELECT * FROM unnest($1::text[], $2::int[]))
 ORDER BY d.uploaded_at DESC, d.id DESC LIMIT {DOCUMENTS_SHOWN}"""  # noqa: S608 - a constant
_AUDIT = f"""
SELECT a.at, a.actor, a.action, a.object_type, a.object_id, a.note
  FROM audit_log a
 WHERE (a.object_type, a.object_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
 ORDER BY a.id DESC LIMIT {AUDIT_SHOWN}"""  # noqa: S608 - a constant


@dataclass(frozen=True, slots=True)
class Dossier:
    """Everything the bureau knows about one subject, as the domains hand it over."""

    profile: registry.Profile
    registrations: list[registry.Registration]
    related: list[registry.Related]
    negative: list[registry.NegativeEntry]
    applications: list[certified.DossierApplication]
    certificates: list[certified.DossierCertificate]
    funding: list[funded.DossierFunding]
    awards: list[funded.DossierAward]
    payments: list[funded.DossierPayment]
    objections: list[workflow_dossier.DossierObjection]
    returns: list[traded.ReturnMonth]  # monthly returns (enterprises)
    trade: list[traded.TradeMonth]  # declared against official figures per month (enterprises)
    documents: list[dict]
    trail: list[dict]


async def _documents(owned: list[tuple[str, int]]) -> list[dict]:
    if not owned:
        return []
    rows = await db.fetch(_DOCUMENTS, [k for k, _ in owned], [i for _, i in owned])
    return [dict(r) for r in rows]


async def _trail(objects: list[tuple[str, int]]) -> list[dict]:
    if not objects:
        return []
    rows = await db.fetch(_AUDIT, [k for k, _ in objects], [str(i) for _, i in objects])
    out = []
    for r in rows:
        row = dict(r)
        row["action_label"] = audit_action(row["action"])
        row["object_label"] = label("object_type", row["object_type"])
        out.append(row)
    return out


async def dossier(profile: registry.Profile, today: date) -> Dossier:
    """The file of the enterprise or park ``profile`` (``registry.dossier.profile``)."""
    kind, subject_id = profile.kind, profile.id
    related = await registry.related(kind, subject_id)
    applications = await certified.applications(kind, subject_id)
    certificates = await certified.certificates(kind, subject_id)
    applied = await funded.applications(kind, subject_id)
    awards = await funded.awards(kind, subject_id)
    owned = [
        *await registry.documents_owned(kind, subject_id),
        *(("application", a.id) for a in applications),
        *(("funding_application", a.id) for a in applied),
    ]
    documents = await _documents(owned)
    negative = await registry.negative_entries(subject_id, today) if kind == "enterprise" else []
    objects = [
        *owned,
        *(("certificate", c.id) for c in certificates),
        *(("ledger_entry", e.id) for e in awards),
        *(("negative_list_entry", n.id) for n in negative),
        *(("document", d["id"]) for d in documents),
    ]
    return Dossier(
        profile=profile,
        registrations=await registry.registrations(kind, subject_id),
        related=related,
        negative=negative,
        applications=applications,
        certificates=certificates,
        funding=applied,
        awards=awards,
        payments=await funded.payments(kind, subject_id),
        objections=[
            *await workflow_dossier.objections(Kind.CERTIFICATION, kind, subject_id),
            *await workflow_dossier.objections(Kind.AWARD, kind, subject_id),
        ],
        returns=await traded.returns(subject_id) if kind == "enterprise" else [],
        trade=await traded.trade_months(subject_id) if kind == "enterprise" else [],
        documents=documents,
        trail=await _trail(objects),
    )


class DossierController(Controller):
    path = "/z/{slug:str}"

    @get("/search", name="search", opt=allow(FILE_READERS))
    async def search(self, request: Request, principal: CurrentPrincipal, q: FromQuery[str] = "") -> Template:
        found = await registry.find(principal, q)
        return render(request, "dossier/search.html", {"q": q.strip()[:100], "found": found})

    @get("/dossier/enterprises/{enterprise_id:int}", name="dossier_enterprise", opt=allow(FILE_READERS))
    async def enterprise(
        self, request: Request, principal: CurrentPrincipal, enterprise_id: FromPath[int]
    ) -> Template:
        return await _page(request, principal, "enterprise", enterprise_id)

    @get("/dossier/parks/{park_id:int}", name="dossier_park", opt=allow(FILE_READERS))
    async def park(self, request: Request, principal: CurrentPrincipal, park_id: FromPath[int]) -> Template:
        return await _page(request, principal, "park", park_id)


async def _page(request: Request, principal: Principal, kind: str, subject_id: int) -> Template:
    profile = await registry.profile(kind, subject_id)
    if profile is None or not registry.may_open(principal, profile.district_code):
        raise NotFoundException(f"{kind} not found")
    return render(request, "dossier/subject.html", {"file": await dossier(profile, tenant_today())})


ROUTES = [DossierController]
