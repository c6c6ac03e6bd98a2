"""Pages of the public notice (公示), objections, certificates and their public verification."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from pilotzone.auth.guards import BUREAU_ADMIN, MEMBERS, PUBLIC, allow
from pilotzone.auth.principal import Principal, current_principal
from pilotzone.certification import certificate_list, certificates, expiry, notices, renewals
from pilotzone.certification.applications import STARTERS
from pilotzone.documents.owners import OwnerKind
from pilotzone.documents.owners import register as register_owner
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.labels import N_
from pilotzone.web.render import is_htmx, render
from pilotzone.web.urls import url_for
from pilotzone.workflow import notice_pages as pages
from pilotzone.workflow.filters import LISTING, FilterQuery, Listing, filter_context, filter_status, parse
from pilotzone.workflow.notice_pages import NoticePages
from pilotzone.workflow.states import CertificationState


class RevokeForm(msgspec.Struct):
    reason: str = ""


async def _never(principal: Principal, certificate_id: int) -> bool:
    return False  # certificates are made by the system only


async def _no_context(certificate_id: int) -> dict:
    return {"rows": []}


register_owner(
    "certificate",
    OwnerKind(
        visible=certificates.visible_certificate,
        may_upload=_never,
        page="certification/certificates.html",
        context=_no_context,
        route=("certificates", None),
    ),
)


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


PAGES = NoticePages(
    path="notices",
    templates="certification",
    back_label=N_("Public notice"),
    gone=N_("This application is not under public notice."),
    listing=notices.public_notices,
    item=pages.items(
        notices.public_notice,
        ((N_("Application number"), "id"), (N_("Scheme"), "scheme_name"), (N_("Subject"), "subject_label")),
        start="moved_at",
        state="status",
        paused=CertificationState.OBJECTED,
    ),
    raise_objection=notices.raise_objection,
    resolve=notices.resolve,
    objections=notices.objections,
    item_param="application_id",
)


class NoticeController(pages.notice_controller(PAGES)):  # type: ignore[misc]  # a made class
    """The notice's pages (list, objection form, raise, the bureau's objections, resolve) and the
    bureau administrator's "issue due certificates"."""

    @post("/issue", name="certificates_issue", opt=allow(BUREAU_ADMIN), status_code=303)
    async def issue(self, request: Request, slug: FromPath[str]) -> Redirect:
        issued = await certificates.issue_due_certificates(_base_url(request))
        return Redirect(
            path=f"{url_for(request, 'certificates', slug=slug)}?issued={len(issued)}", status_code=303
        )


async def _certificates_page(
    request: Request,
    errors: dict | None = None,
    target: int = 0,
    status: int = 200,
    expiring: bool = False,
    listing: FilterQuery | None = None,
) -> Template:
    principal = current_principal()
    listing = listing or FilterQuery()
    offered = await certificate_list.choices()
    chosen, filter_errors = parse(listing, offered)
    page, ids = await certificate_list.page_ids(principal, chosen, expiring)
    if filter_errors and status == 200:
        status = filter_status(request, filter_errors)
    context = {
        "rows": await certificates.certificates(principal, expiring_only=expiring, only=ids),
        "page": page,
        **filter_context(listing, offered, chosen, filter_errors),
        "show": "expiring" if expiring else "",
        "errors": errors or {},
        "target": target,
        "is_admin": principal.role == "bureau_admin" and not principal.province,
        "issued": request.query_params.get("issued"),
        "reminders": await expiry.reminders_for(principal),
    }
    return render(request, "certification/certificates.html", context, status_code=status)


class CertificateController(Controller):
    path = "/z/{slug:str}/certificates"

    @get("/", name="certificates", opt=allow(MEMBERS), dependencies={"listing": LISTING})
    async def index(
        self,
        request: Request,
        listing: Listing,
        show: FromQuery[str] = "",
        issued: FromQuery[int | None] = None,
    ) -> Template:
        return await _certificates_page(request, expiring=show == "expiring", listing=listing)

    @post("/sweep", name="certificates_sweep", opt=allow(BUREAU_ADMIN), status_code=303)
    async def sweep(self, request: Request, slug: FromPath[str]) -> Redirect | Template:
        """Run the expiry and reminder sweep of this pilot zone now (the daily job, by hand)."""
        run = await expiry.start_sweep()
        if is_htmx(request):
            return render(request, "jobs/partials/progress.html", {"run": run, "slug": slug})
        return Redirect(path=url_for(request, "job_run", slug=slug, run_id=run.id), status_code=303)

    @post("/{certificate_id:int}/renew", name="certificate_renew", opt=allow(STARTERS), status_code=303)
    async def renew(
        self, request: Request, slug: FromPath[str], certificate_id: FromPath[int]
    ) -> Redirect | Template:
        try:
            application = await renewals.start_renewal(current_principal(), certificate_id)
        except renewals.RenewalError as exc:
            if exc.status == 404:
                raise NotFoundException(exc.message) from None
            return await _certificates_page(request, {"status": exc.message}, certificate_id, exc.status)
        return Redirect(
            path=url_for(request, "application", slug=slug, application_id=application.id), status_code=303
        )

    @post("/{certificate_id:int}/revoke", name="certificate_revoke", opt=allow(BUREAU_ADMIN), status_code=303)
    async def revoke(
        self,
        request: Request,
        slug: FromPath[str],
        certificate_id: FromPath[int],
        data: Annotated[RevokeForm, URL_ENCODED],
    ) -> Redirect | Template:
        try:
            await certificates.revoke(certificate_id, data.reason)
        except notices.NoticeError as exc:
            if exc.status == 404:
                raise NotFoundException(exc.message) from None
            if exc.status == 403:
                raise PermissionDeniedException(exc.message) from None
            return await _certificates_page(request, {exc.field: exc.message}, certificate_id, exc.status)
        return Redirect(path=url_for(request, "certificates", slug=slug), status_code=303)


class VerifyController(Controller):
    """Public verification: a lookup form at /verify/ and the certificate at /verify/<number>."""

    path = "/verify"

    @get("/", name="certificate_lookup", opt=allow(PUBLIC))
    async def lookup(self, request: Request, number: FromQuery[str] = "") -> Template | Redirect:
        number = number.strip()
        if not number:
            return render(request, "certification/verify.html", {"c": None, "number": ""})
        return Redirect(
            path=url_for(request, "certificate_verify", number=quote(number, safe="")), status_code=303
        )

    @get("/{number:str}", name="certificate_verify", opt=allow(PUBLIC))
    async def verify(self, request: Request, number: FromPath[str]) -> Template:
        number = number.strip()
        found = await certificates.verify(number)
        status = 200 if found is not None else 404  # the form again, saying nothing was found
        return render(
            request,
            "certification/verify.html",
            {"c": found, "number": number},
            status_code=status,
        )
