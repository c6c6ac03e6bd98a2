from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Stream, Template

from pilotzone.documents import services
from pilotzone.documents.owners import OWNERS
from pilotzone.documents.storage import get_storage
from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import render


class DocumentController(Controller):
    path = "/z/{slug:str}/documents"

    # the size limit is enforced while streaming (UPLOAD_MAX_BYTES), not by buffering the body
    @post("/{owner_kind:str}/{owner_id:int}", name="upload", status_code=303, request_max_body_size=None)
    async def upload(
        self, request: Request, slug: FromPath[str], owner_kind: FromPath[str], owner_id: FromPath[int]
    ) -> Redirect | Template:
        owner = OWNERS.get(owner_kind)
        if owner is None or not await owner.exists(owner_id):
            raise NotFoundException("nothing to attach the document to")
        content_type = request.headers.get("content-type", "")
        boundary = content_type.partition("boundary=")[2].split(";")[0].strip('"')
        try:
            if not content_type.startswith("multipart/form-data") or not boundary:
                raise services.UploadRejected(400, _("The upload could not be read; try again."))
            await services.receive_upload(request.stream(), boundary, owner_kind, owner_id)
        except services.UploadRejected as exc:
            context = await owner.context(owner_id)
            context["error"] = exc.message
            return render(request, owner.page, context, status_code=exc.status)
        return Redirect(path=owner.url(slug, owner_id), status_code=303)

    @get("/{document_id:int}", name="download")
    async def download(self, document_id: FromPath[int]) -> Stream:
        document = await services.get_document(document_id)
        if document is None:
            raise NotFoundException("document not found")
        disposition = (
            "inline"
            if document.content_type in ("application/pdf", "image/png", "image/jpeg")
            else "attachment"
        )
        return Stream(
            get_storage().iter_object(document.storage_key),
            media_type=document.content_type,
            headers={
                "Content-Length": str(document.size),
                "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(document.filename)}",
                "X-Content-Type-Options": "nosniff",
                "ETag": f'"{document.sha256}"',
            },
        )
