from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Stream, Template

from pilotzone.auth import audit
from pilotzone.auth.dependencies import CurrentPrincipal
from pilotzone.auth.guards import MEMBERS, allow, tenant
from pilotzone.auth.middleware import CsrfFailed, token_matches
from pilotzone.documents import services
from pilotzone.documents.owners import OWNERS, UPLOADERS
from pilotzone.documents.storage import ObjectMissing, open_object
from pilotzone.tenancy.dependencies import CurrentTenant
from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import render
from pilotzone.web.urls import url_for


class DocumentController(Controller):
    path = "/z/{slug:str}/documents"

    # the size limit is enforced while streaming (UPLOAD_MAX_BYTES), not by buffering the body; the
    # CSRF field is checked by the streaming parser before the first byte of the file
    @post(
        "/{owner_kind:str}/{owner_id:int}",
        name="upload",
        status_code=303,
        request_max_body_size=None,
        opt={**allow(tenant(*UPLOADERS)), "csrf_in_stream": True},
    )
    async def upload(
        self,
        request: Request,
        principal: CurrentPrincipal,
        tenant: CurrentTenant,
        owner_kind: FromPath[str],
        owner_id: FromPath[int],
    ) -> Redirect | Template:
        owner = OWNERS.get(owner_kind)
        if owner is None or not await owner.may_upload(principal, owner_id):
            raise NotFoundException("nothing to attach the document to")
        content_type = request.headers.get("content-type", "")
        boundary = content_type.partition("boundary=")[2].split(";")[0].strip('"')
        header_ok = token_matches(request.scope, request.headers.get("x-csrf-token"))
        try:
            if not content_type.startswith("multipart/form-data") or not boundary:
                raise services.UploadRejected(400, _("The upload could not be read; try again."))
            upload = await services.receive_upload(
                request.stream(),
                boundary,
                owner_kind,
                owner_id,
                csrf_ok=lambda fields: header_ok or token_matches(request.scope, fields.get("csrf_token")),
            )
        except services.UploadRejected as exc:
            if exc.status == 403:
                raise CsrfFailed(exc.message) from None
            context = await owner.context(owner_id)
            context["error"] = exc.message
            return render(request, owner.page, context, status_code=exc.status)
        await audit.record("document.uploaded", "document", upload.document.id, after=_facts(upload.document))
        if owner.route is not None:
            name, key = owner.route
            back = url_for(request, name, slug=tenant.slug, **({key: owner_id} if key else {}))
        else:
            back = url_for(request, "tenant_home", slug=tenant.slug)
        return Redirect(path=back, status_code=303)

    @get("/{document_id:int}", name="download", opt=allow(MEMBERS))
    async def download(self, principal: CurrentPrincipal, document_id: FromPath[int]) -> Stream:
        document = await services.get_document(document_id)
        owner = OWNERS.get(document.owner_kind) if document else None
        if document is None or owner is None or not await owner.visible(principal, document.owner_id):
            raise NotFoundException("document not found")
        disposition = (
            "inline"
            if document.content_type in ("application/pdf", "image/png", "image/jpeg")
            else "attachment"
        )
        try:  # before the response starts: S3 down is a 503 page (StorageUnavailable), not a cut stream
            chunks = await open_object(document.storage_key)
        except ObjectMissing:
            raise NotFoundException("document not found") from None
        return Stream(
            chunks,
            media_type=document.content_type,
            headers={
                "Content-Length": str(document.size),
                "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(document.filename)}",
                "X-Content-Type-Options": "nosniff",
                "ETag": f'"{document.sha256}"',
            },
        )


def _facts(document: object) -> dict:
    keys = ("owner_kind", "owner_id", "filename", "content_type", "size", "sha256")
    return {k: getattr(document, k) for k in keys}
