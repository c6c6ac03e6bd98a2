"""Uploads stream through the app into real S3; downloads come back through an RLS-checked lookup."""

from __future__ import annotations

import hashlib
import os

import asyncpg
import pytest

from pilotzone.demo import sample_pdf
from pilotzone.documents.storage import get_storage


async def _park(owner: asyncpg.Connection, tenant_id: int) -> int:
    return await owner.fetchval("SELECT id FROM park WHERE tenant_id = $1 ORDER BY id LIMIT 1", tenant_id)


def _objects(prefix: str) -> list[str]:
    storage = get_storage()
    return [o.object_name for o in storage.client.list_objects(storage.bucket, prefix=prefix, recursive=True)]


async def test_upload_download_round_trip(client, owner: asyncpg.Connection, tenants: dict) -> None:
    gz = tenants["guangzhou"]
    park = await _park(owner, gz)
    body = sample_pdf("round trip") + os.urandom(3 * 1024 * 1024)  # > one queue chunk, several reads
    response = await client.post(
        f"/z/guangzhou/documents/park/{park}",
        files={"file": ("园区简介.pdf", body, "image/png")},  # the client lies about the type
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/z/guangzhou/parks/{park}"
    row = await owner.fetchrow("SELECT * FROM document WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1", gz)
    assert row["filename"] == "园区简介.pdf"
    assert row["content_type"] == "application/pdf"
    assert row["size"] == len(body)
    assert row["sha256"] == hashlib.sha256(body).hexdigest()
    assert row["storage_key"].startswith(f"{gz}/park/{park}/")
    assert row["storage_key"] in _objects(f"{gz}/")

    page = await client.get(f"/z/guangzhou/parks/{park}")
    assert f"/z/guangzhou/documents/{row['id']}" in page.text

    download = await client.get(f"/z/guangzhou/documents/{row['id']}")
    assert download.status_code == 200
    assert download.content == body
    assert download.headers["content-type"].startswith("application/pdf")
    assert "filename*=UTF-8''" in download.headers["content-disposition"]


async def test_other_tenants_document_is_not_found(client, owner: asyncpg.Connection, tenants: dict) -> None:
    fs = tenants["foshan"]
    park = await _park(owner, fs)
    response = await client.post(
        f"/z/foshan/documents/park/{park}",
        files={"file": ("a.pdf", sample_pdf("foshan secret"), "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    doc_id = await owner.fetchval("SELECT max(id) FROM document WHERE tenant_id = $1", fs)
    stolen = await client.get(f"/z/guangzhou/documents/{doc_id}")
    assert stolen.status_code == 404
    assert b"foshan secret" not in stolen.content
    assert (await client.get(f"/z/foshan/documents/{doc_id}")).status_code == 200
    # nor can guangzhou attach documents to foshan's park
    attach = await client.post(
        f"/z/guangzhou/documents/park/{park}", files={"file": ("b.pdf", sample_pdf("x"), "application/pdf")}
    )
    assert attach.status_code == 404


async def _counts(owner: asyncpg.Connection, tenant_id: int) -> tuple[int, int]:
    rows = await owner.fetchval("SELECT count(*) FROM document WHERE tenant_id = $1", tenant_id)
    return rows, len(_objects(f"{tenant_id}/"))


async def test_rejected_type_leaves_no_row_and_no_object(
    client, owner: asyncpg.Connection, tenants: dict
) -> None:
    st = tenants["shantou"]
    park = await _park(owner, st)
    before = await _counts(owner, st)
    exe = b"MZ\x90\x00" + os.urandom(10_000)
    response = await client.post(
        f"/z/shantou/documents/park/{park}",
        files={"file": ("report.pdf", exe, "application/pdf")},
        headers={"cookie": "lang=en"},
    )
    assert response.status_code == 415
    assert "application/x-msdownload are not accepted" in response.text
    assert 'aria-invalid="true"' in response.text
    assert await _counts(owner, st) == before


async def test_too_large_upload_is_stopped_midway_and_cleaned(
    client, owner: asyncpg.Connection, tenants: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pilotzone.documents import services
    from pilotzone.settings import get_settings

    limited = get_settings().with_overrides(upload_max_bytes=12 * 1024 * 1024)
    monkeypatch.setattr(services, "get_settings", lambda: limited)
    st = tenants["shantou"]
    park = await _park(owner, st)
    before = await _counts(owner, st)
    big = sample_pdf("big") + os.urandom(20 * 1024 * 1024)  # the S3 transfer has begun when the limit hits
    response = await client.post(
        f"/z/shantou/documents/park/{park}", files={"file": ("big.pdf", big, "application/pdf")}
    )
    assert response.status_code == 413
    assert "12 MB" in response.text
    assert await _counts(owner, st) == before


async def test_empty_and_missing_file(client, owner: asyncpg.Connection, tenants: dict) -> None:
    st = tenants["shantou"]
    park = await _park(owner, st)
    before = await _counts(owner, st)
    empty = await client.post(
        f"/z/shantou/documents/park/{park}", files={"file": ("e.pdf", b"", "application/pdf")}
    )
    assert empty.status_code == 400
    missing = await client.post(f"/z/shantou/documents/park/{park}", data={"note": "no file"})
    assert missing.status_code == 400
    assert await _counts(owner, st) == before
