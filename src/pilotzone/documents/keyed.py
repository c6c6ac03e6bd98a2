"""Documents filed under a key of their owner's spec (certification and funding applications).

A keyed document is stored as ``<doc_key>/<original name>``; every upload is a new version, newest
first. The upload form sends ``csrf_token`` and ``doc_key`` before the file: both are checked, and
the file type narrowed to what that key accepts, before the first byte of the file is stored. A draft
takes every key; an owner waiting for the answer to an information request only the keys it reopened."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from litestar import Request

from pilotzone.auth import audit
from pilotzone.auth.middleware import CsrfFailed, token_matches
from pilotzone.documents import services
from pilotzone.documents.tables import Document
from pilotzone.web.i18n import gettext as _


def document_key(document: Document) -> tuple[str, str]:
    """(spec document key, original name) from the stored ``<doc_key>/<original name>``."""
    key, sep, name = document.filename.partition("/")
    return (key, name) if sep else ("", document.filename)


async def documents_by_key(owner_kind: str, owner_id: int) -> dict[str, list[dict]]:
    """Every version per document key, newest first (the newest counts)."""
    grouped: dict[str, list[dict]] = {}
    for doc in await services.documents_of(owner_kind, owner_id):
        key, name = document_key(doc)
        grouped.setdefault(key, []).append(
            {"id": doc.id, "name": name, "size": doc.size, "uploaded_at": doc.uploaded_at}
        )
    return grouped


class KeyedRejected(services.UploadRejected):
    """A refused keyed upload; ``doc_key`` is the key it was sent for (to show the error there)."""

    def __init__(self, status: int, message: str, doc_key: str | None) -> None:
        super().__init__(status, message)
        self.doc_key = doc_key


@dataclass
class KeyedUpload:
    doc_key: str
    document: Document


async def receive_keyed(
    request: Request,
    owner_kind: str,
    owner_id: int,
    types: dict[str, Collection[str]],
    draft: bool,
    reopened: Collection[str] = (),
) -> KeyedUpload:
    """Stream one keyed document to S3; ``types`` maps each key to its types. A draft owner takes every
    key, any other owner only the ``reopened`` keys (an information request reopened them).

    Raises ``CsrfFailed`` for a wrong token and ``KeyedRejected`` for any other refusal."""
    content_type = request.headers.get("content-type", "")
    boundary = content_type.partition("boundary=")[2].split(";")[0].strip('"')
    header_ok = token_matches(request.scope, request.headers.get("x-csrf-token"))
    sent: dict[str, str] = {}

    def fields_ok(fields: dict[str, str]) -> bool:
        if not (header_ok or token_matches(request.scope, fields.get("csrf_token"))):
            return False
        if fields.get("doc_key") not in types:
            raise services.UploadRejected(400, _("Choose which document this is."))
        sent.update(fields)  # the refusal is shown next to this document's file field
        if not draft and fields["doc_key"] not in reopened:
            raise services.UploadRejected(409, _("The information request did not reopen this document."))
        return True

    try:
        if not draft and not reopened:
            raise services.UploadRejected(409, _("Documents can only be added to a draft."))
        if not content_type.startswith("multipart/form-data") or not boundary:
            raise services.UploadRejected(400, _("The upload could not be read; try again."))
        upload = await services.receive_upload(
            request.stream(),
            boundary,
            owner_kind,
            owner_id,
            csrf_ok=fields_ok,
            types_for=lambda fields: types[fields["doc_key"]],
        )
    except services.UploadRejected as exc:
        if exc.status == 403:
            raise CsrfFailed(exc.message) from None
        raise KeyedRejected(exc.status, exc.message, sent.get("doc_key")) from None
    return KeyedUpload(upload.fields["doc_key"], upload.document)


async def file_under_key(upload: KeyedUpload, owner_kind: str, owner_id: int) -> str:
    """Store the document under its key (``<doc_key>/<name>``) and audit the upload."""
    document = upload.document
    stored = f"{upload.doc_key}/{document.filename}"[:255]
    await Document.update({Document.filename: stored}).where(Document.id == document.id)
    await audit.record(
        "document.uploaded",
        "document",
        document.id,
        after={
            "owner_kind": owner_kind,
            "owner_id": owner_id,
            "filename": stored,
            "content_type": document.content_type,
            "size": document.size,
            "sha256": document.sha256,
        },
    )
    return stored
