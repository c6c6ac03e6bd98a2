"""Documents, stored through the product's own upload path (``documents.services.store_bytes``:
the same checks, the S3 object under the tenant's prefix, the Document row)."""

from __future__ import annotations

from tests.factories.base import acting_in, unique

from pilotzone.demo import sample_pdf
from pilotzone.documents.services import store_bytes
from pilotzone.documents.tables import Document


async def document(
    slug: str, owner_kind: str, owner_id: int, filename: str | None = None, data: bytes | None = None
) -> Document:
    """A PDF (one page, its title the file name) attached to the owner row."""
    filename = filename or f"{unique('测试文件')}.pdf"
    async with acting_in(slug):
        return await store_bytes(owner_kind, owner_id, filename, data or sample_pdf(filename))
