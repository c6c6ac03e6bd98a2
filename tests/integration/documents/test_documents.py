"""Uploads stream through the app into real S3; downloads come back through an RLS-checked lookup."""

from __future__ import annotations

import hashlib
import os

import asyncpg
import pytest
from tests.integration.documents.uploads import stored_objects

from pilotzone.demo import sample_pdf


async def _park(owner: asyncpg.Connection, tenant_id: int) -> int:
    return await owner.fetchval("SELECT id FROM park WHERE tenant_id = $1 ORDER BY id LIMIT 1", tenant_id)


async def test_upload_download_round_trip(admin_gz, owner: asyncpg.Connection, tenants: dict) -> None:
    gz = tenants["guangzhou"]
    park = await _park(owner, gz)
    body = sample_pdf("round trip") + os.urandom(3 * 1024 * 1024)  # > one queue chunk, several reads
    response = await admin_gz.post(
        f"/z/guangzhou/documents/park/{park}",
        files={"file": ("园区简介.pdf", body, "application/octet-stream")},  # the type comes from the bytes
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
    assert row["storage_key"] in stored_objects(f"{gz}/")

    page = await admin_gz.get(f"/z/guangzhou/parks/{park}")
    assert f"/z/guangzhou/documents/{row['id']}" in page.text

    download = await admin_gz.get(f"/z/guangzhou/documents/{row['id']}")
    assert download.status_code == 200
    assert download.content == body
    assert download.headers["content-type"].startswith("application/pdf")
    assert "filename*=UTF-8''" in download.headers["content-disposition"]


async def test_other_tenants_document_is_not_found(
    admin_gz, admin_fs, owner: asyncpg.Connection, tenants: dict
) -> None:
    fs = tenants["foshan"]
    park = await _park(owner, fs)
    response = await admin_fs.post(
        f"/z/foshan/documents/park/{park}",
        files={"file": ("a.pdf", sample_pdf("foshan secret"), "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    doc_id = await owner.fetchval("SELECT max(id) FROM document WHERE tenant_id = $1", fs)
    stolen = await admin_gz.get(f"/z/guangzhou/documents/{doc_id}")  # through my own tenant: RLS hides it
    assert stolen.status_code == 404
    assert b"foshan secret" not in stolen.content
    refused = await admin_gz.get(f"/z/foshan/documents/{doc_id}")  # through the victim's URL: no membership
    assert refused.status_code == 403
    assert b"foshan secret" not in refused.content
    assert (await admin_fs.get(f"/z/foshan/documents/{doc_id}")).status_code == 200
    # nor can a guangzhou admin attach documents to foshan's park through its own tenant
    attach = await admin_gz.post(
        f"/z/guangzhou/documents/park/{park}", files={"file": ("b.pdf", sample_pdf("x"), "application/pdf")}
    )
    assert attach.status_code == 404


async def _counts(owner: asyncpg.Connection, tenant_id: int) -> tuple[int, int]:
    rows = await owner.fetchval("SELECT count(*) FROM document WHERE tenant_id = $1", tenant_id)
    return rows, len(stored_objects(f"{tenant_id}/"))


async def test_rejected_type_leaves_no_row_and_no_object(
    admin_gz, owner: asyncpg.Connection, tenants: dict
) -> None:
    gz_ = tenants["guangzhou"]
    park = await _park(owner, gz_)
    before = await _counts(owner, gz_)
    exe = b"MZ\x90\x00" + os.urandom(10_000)
    response = await admin_gz.post(  # a name that claims no type: the allowed list refuses it
        f"/z/guangzhou/documents/park/{park}",
        files={"file": ("report", exe, "application/octet-stream")},
    )
    assert response.status_code == 415
    assert "不接受 application/x-msdownload 类型的文件" in response.text
    assert 'aria-invalid="true"' in response.text
    assert await _counts(owner, gz_) == before


async def test_too_large_upload_is_stopped_midway_and_cleaned(
    admin_gz, owner: asyncpg.Connection, tenants: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pilotzone.documents import services
    from pilotzone.settings import get_settings

    limited = get_settings().with_overrides(upload_max_bytes=12 * 1024 * 1024)
    monkeypatch.setattr(services, "get_settings", lambda: limited)
    gz_ = tenants["guangzhou"]
    park = await _park(owner, gz_)
    before = await _counts(owner, gz_)
    big = sample_pdf("big") + os.urandom(20 * 1024 * 1024)  # the S3 transfer has begun when the limit hits
    response = await admin_gz.post(
        f"/z/guangzhou/documents/park/{park}", files={"file": ("big.pdf", big, "application/pdf")}
    )
    assert response.status_code == 413
    assert "12 MB" in response.text
    assert await _counts(owner, gz_) == before


async def test_empty_and_missing_file(admin_gz, owner: asyncpg.Connection, tenants: dict) -> None:
    gz_ = tenants["guangzhou"]
    park = await _park(owner, gz_)
    before = await _counts(owner, gz_)
    empty = await admin_gz.post(
        f"/z/guangzhou/documents/park/{park}", files={"file": ("e.pdf", b"", "application/pdf")}
    )
    assert empty.status_code == 400
    missing = await admin_gz.post(f"/z/guangzhou/documents/park/{park}", data={"note": "no file"})
    assert missing.status_code == 400
    assert await _counts(owner, gz_) == before


async def test_form_sent_without_choosing_a_file(admin_gz, owner: asyncpg.Connection, tenants: dict) -> None:
    park = await _park(owner, tenants["guangzhou"])
    response = await admin_gz.post(
        f"/z/guangzhou/documents/park/{park}", files={"file": ("", b"", "application/octet-stream")}
    )
    assert response.status_code == 400 and "请选择要上传的文件" in response.text
