"""Documents of a submission, the same for every kind: filed under the definition's document keys
(``<key>/<file name>``, re-uploads keep the earlier versions); a draft takes every key, a submission
waiting for an answer only the keys the information request reopened. The route options of the
upload (streamed, size checked while streaming, CSRF and key checked before the first byte)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any

from litestar import Request
from litestar.response import Redirect

from pilotzone.auth.guards import allow, tenant
from pilotzone.auth.principal import Principal
from pilotzone.documents import keyed
from pilotzone.documents.owners import UPLOADERS, OwnerKind, register
from pilotzone.web.urls import url_for
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


def owned_by(
    owner: str,
    visible: Callable[[Principal, int], Awaitable[bool]],
    page: str,
    context: Callable[[int], Awaitable[dict]],
    route: tuple[str, str],
) -> Callable[[Request, str, int], Redirect]:
    """Register a kind's submissions as owners of documents (``owner``: the document's owner kind;
    uploads only through :func:`receive`, the page ``page`` re-rendered with an upload error) and
    return the redirect back to a submission's page after a POST (``route``: its name and id parameter)."""
    register(owner, OwnerKind(visible=visible, may_upload=elsewhere, page=page, context=context, route=route))
    name, param = route

    def back(request: Request, slug: str, row_id: int) -> Redirect:
        return Redirect(path=url_for(request, name, slug=slug, **{param: row_id}), status_code=303)

    return back
