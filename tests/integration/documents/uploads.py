"""Helpers of the document tests: multipart bodies built by hand, and what is stored (rows, objects)."""

from __future__ import annotations

import uuid

import asyncpg

from pilotzone.documents.storage import get_storage


def form_body(fields: dict[str, str], filename: str, content_type: str, data: bytes) -> tuple[bytes, str]:
    """A multipart body as a browser sends it (WHATWG: only ``"``, CR and LF are percent-encoded)."""
    boundary = uuid.uuid4().hex
    quoted = filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    out = bytearray()
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    out += f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'.encode()
    out += f"Content-Type: {content_type}\r\n\r\n".encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def stored_objects(prefix: str) -> list[str]:
    """The S3 object names under ``prefix``, sorted."""
    storage = get_storage()
    return sorted(
        o.object_name for o in storage.client.list_objects(storage.bucket, prefix=prefix, recursive=True)
    )


async def stored_state(owner: asyncpg.Connection, tenant_id: int) -> tuple[int, list[str]]:
    """The tenant's document rows (count) and S3 objects: equal before and after a refused upload."""
    rows = await owner.fetchval("SELECT count(*) FROM document WHERE tenant_id = $1", tenant_id)
    return rows, stored_objects(f"{tenant_id}/")
