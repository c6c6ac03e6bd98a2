"""Documents of a submission, the same for every kind: filed under the definition's document keys
(``<key>/<file name>``, re-uploads keep the earlier versions); a draft takes every key, a submission
waiting for an answer only the keys the information request reopened. The route options of the
upload (streamed, size checked while streaming, CSRF and key checked before the first byte)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from litestar import Request

from pilotzone.auth.guards import allow, tenant
from pilotzone.auth.principal import Principal
from pilotzone.documents import keyed
from pilotzone.documents.owners import UPLOADERS
from pilotzone.workflow import info_requests
from pilotzone.workflow.definitions import DocumentSpec
from pilotzone.workflow.info_requests import Reopens

# the size limit is enforced while streaming; the CSRF field and the document key are checked by the
# streaming parser before the first byte of the file
ROUTE: dict[str, Any] = {
    "status_code": 303,
    "request_max_body_size": None,
    "opt": {**allow(tenant(*UPLOADERS)), "csrf_in_stream": True},
}


async def elsewhere(principal: Principal, row_id: int) -> bool:
    """A submission's ``OwnerKind.may_upload``: never through the generic document upload; its
    documents go through the kind's own upload route (``ROUTE``, :func:`receive`), which files them
    under the definition's key."""
    return False


async def receive(
    request: Request,
    owner: str,
    row_id: int,
    documents: Sequence[DocumentSpec],
    status: str,
    reopens: Reopens | None,
) -> tuple[keyed.KeyedUpload, list[dict]]:
    """The upload, stored and filed under its key, and the versions that key had before it.
    Raises KeyedRejected (nothing stored)."""
    types: dict[str, Collection[str]] = {d.key: d.types for d in documents}
    draft, reopened = info_requests.may_upload(status, reopens)
    upload = await keyed.receive_keyed(request, owner, row_id, types, draft=draft, reopened=reopened)
    previous = (await keyed.documents_by_key(owner, row_id)).get(upload.doc_key, [])
    await keyed.file_under_key(upload, owner, row_id)
    return upload, previous
