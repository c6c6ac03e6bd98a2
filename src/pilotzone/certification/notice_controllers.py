"""Pages of the public notice (公示), objections, certificates and their public verification."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from pilotzone.auth.guards import BUREAU_ADMIN, MEMBERS, PUBLIC, allow
from pilotzone.auth.middleware import request_ip
from pilotzone.auth.principal import Principal, current_principal
from pilotzone.certification import certificates, expiry, notices, renewals
from pilotzone.certification.applications import STARTERS
from pilotzone.certification.notice_list import notice_query
from pilotzone.documents.owners import OwnerKind
from pilotzone.documents.owners import register as register_owner
from pilotzone.web.formats import local_time
from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import is_htmx, render


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
        url=lambda slug, certificate_id: f"/z/{slug}/certificates/",
    ),
)


async def _form_of(request: Request) -> dict[str, str]:
    data = await request.form()
    return {k: str(data.get(k, "")) for k in data if k != "csrf_token"}


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def _notice_page(request: Request) -> Template:
    query = notice_query(request.query_params.get("q"), request.query_params.get("after"))
    rows, links = await notices.public_notices(query, f"/z/{request.path_params['slug']}/notices/")
    context = {
        "rows": rows,
        "links": links,
        "q": query.q,
        "request_objected": request.query_params.get("objected") == "1",
        "is_admin": current_principal().role == "bureau_admin",
    }
    return render(request, "certification/notices.html", context)


async def _objection_page(
    request: Request,
    application_id: int,
    form: dict | None = None,
    errors: dict | None = None,
    status: int = 200,
) -> Template:
    """One application's objection form (its own page: the list stays a light table)."""
    notice = await notices.public_notice(application_id)
    if notice is None:
        raise NotFoundException(_("This application is not under public notice."))
    slug = request.path_params["slug"]
    start = f"{local_time(notice['moved_at'], '%Y-%m-%d')} – " if notice["moved_at"] else ""
    context = {
        "item_id": application_id,
        "action": f"/z/{slug}/notices/{application_id}/objections",
        "back": f"/z/{slug}/notices/",
        "back_label": _("Public notice"),
        "facts": [
            (_("Application number"), notice["id"]),
            (_("Scheme"), notice["scheme_name"]),
            (_("Subject"), notice["subject_label"]),
            (_("Notice period"), f"{start}{local_time(notice['notice_until'], '%Y-%m-%d')}"),
        ],
        "paused": notice["status"] == "objected",
        "form": form or {},
        "errors": errors or {},
    }
    return render(request, "certification/objection.html", context, status_code=status)


class NoticeController(Controller):
    path = "/z/{slug:str}/notices"

    @get("/", name="notices", opt=allow(PUBLIC))
    async def index(self, request: Request) -> Template:
        return await _notice_page(request)

    @get("/{application_id:int}/objections", name="objection_form", opt=allow(PUBLIC))
    async def objection_form(self, request: Request, application_id: FromPath[int]) -> Template:
        return await _objection_page(request, application_id)

    @post("/{application_id:int}/objections", name="objection_raise", opt=allow(PUBLIC), status_code=303)
    async def object(
        self, request: Request, slug: FromPath[str], application_id: FromPath[int]
    ) -> Redirect | Template:
        form = await _form_of(request)
        ip = request_ip(request)
        try:
            await notices.raise_objection(application_id, form, ip)
        except notices.NoticeError as exc:
            if exc.status == 404:
                raise NotFoundException(exc.message) from None
            errors = {exc.field: exc.message}
            if exc.status == 400:
                errors = notices.check_objection(form) or errors
            return await _objection_page(request, application_id, form, errors, exc.status)
        return Redirect(path=f"/z/{slug}/notices/?objected=1", status_code=303)

    @get("/objections", name="objections", opt=allow(BUREAU_ADMIN))
    async def objections(self, request: Request) -> Template:
        return await _objections_page(request)

    @post(
        "/objections/{objection_id:int}/resolve",
        name="objection_resolve",
        opt=allow(BUREAU_ADMIN),
        status_code=303,
    )
    async def resolve(
        self, request: Request, slug: FromPath[str], objection_id: FromPath[int]
    ) -> Redirect | Template:
        form = await _form_of(request)
        try:
            await notices.resolve(
                current_principal(), objection_id, form.get("decision", ""), form.get("note", "")
            )
        except notices.NoticeError as exc:
            if exc.status == 404:
                raise NotFoundException(exc.message) from None
            return await _objections_page(request, {exc.field: exc.message}, objection_id, exc.status)
        return Redirect(path=f"/z/{slug}/notices/objections", status_code=303)

    @post("/issue", name="certificates_issue", opt=allow(BUREAU_ADMIN), status_code=303)
    async def issue(self, request: Request, slug: FromPath[str]) -> Redirect:
        issued = await certificates.issue_due_certificates(_base_url(request))
        return Redirect(path=f"/z/{slug}/certificates/?issued={len(issued)}", status_code=303)


async def _objections_page(
    request: Request, errors: dict | None = None, target: int = 0, status: int = 200
) -> Template:
    context = {"rows": await notices.objections(), "errors": errors or {}, "target": target}
    return render(request, "certification/objections.html", context, status_code=status)


async def _certificates_page(
    request: Request, errors: dict | None = None, target: int = 0, status: int = 200, expiring: bool = False
) -> Template:
    principal = current_principal()
    context = {
        "rows": await certificates.certificates(principal, expiring_only=expiring),
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

    @get("/", name="certificates", opt=allow(MEMBERS))
    async def index(
        self, request: Request, show: FromQuery[str] = "", issued: FromQuery[int | None] = None
    ) -> Template:
        return await _certificates_page(request, expiring=show == "expiring")

    @post("/sweep", name="certificates_sweep", opt=allow(BUREAU_ADMIN), status_code=303)
    async def sweep(self, request: Request, slug: FromPath[str]) -> Redirect | Template:
        """Run the expiry and reminder sweep of this pilot zone now (the daily job, by hand)."""
        run = await expiry.start_sweep()
        if is_htmx(request):
            return render(request, "jobs/partials/progress.html", {"run": run, "slug": slug})
        return Redirect(path=f"/z/{slug}/jobs/{run.id}", status_code=303)

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
        return Redirect(path=f"/z/{slug}/applications/{application.id}", status_code=303)

    @post("/{certificate_id:int}/revoke", name="certificate_revoke", opt=allow(BUREAU_ADMIN), status_code=303)
    async def revoke(
        self, request: Request, slug: FromPath[str], certificate_id: FromPath[int]
    ) -> Redirect | Template:
        form = await _form_of(request)
        try:
            await certificates.revoke(certificate_id, form.get("reason", ""))
        except notices.NoticeError as exc:
            if exc.status == 404:
                raise NotFoundException(exc.message) from None
            if exc.status == 403:
                raise PermissionDeniedException(exc.message) from None
            return await _certificates_page(request, {exc.field: exc.message}, certificate_id, exc.status)
        return Redirect(path=f"/z/{slug}/certificates/", status_code=303)


class VerifyController(Controller):
    """Public verification: a lookup form at /verify/ and the certificate at /verify/<number>."""

    path = "/verify"

    @get("/", name="certificate_lookup", opt=allow(PUBLIC))
    async def lookup(self, request: Request, number: FromQuery[str] = "") -> Template | Redirect:
        number = number.strip()
        if not number:
            return render(request, "certification/verify.html", {"c": None, "number": ""})
        return Redirect(path=f"/verify/{quote(number, safe='')}", status_code=303)

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
