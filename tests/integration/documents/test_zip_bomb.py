"""Item 17: Office files are ZIP archives. Their central directory is checked against the
``UPLOAD_ZIP_*`` limits (declared uncompressed size, entry count, ratio) and their entries decide the
kind (a Word layout named .xlsx is not a spreadsheet), without inflating anything."""

from __future__ import annotations

import io
import zipfile
from functools import cache

import asyncpg
import pytest
from openpyxl import Workbook
from tests.integration.documents.uploads import form_body, stored_state

from pilotzone.documents.checks import ArchiveRefused, ZipTail

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)


@cache
def word_bomb() -> bytes:
    """A Word layout whose document part inflates to 300 MiB: about 300 KB on disk."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", "<Relationships/>")
        with archive.open("word/document.xml", "w", force_zip64=False) as part:
            block = b"\0" * (1024 * 1024)
            for _ in range(300):
                part.write(block)
    return out.getvalue()


def small_word() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def many_entries(count: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for i in range(count):
            archive.writestr(f"xl/worksheets/s{i}.xml", "")
    return out.getvalue()


@pytest.fixture
async def park_upload(admin_gz, owner: asyncpg.Connection, tenants: dict):  # type: ignore[no-untyped-def]
    gz = tenants["guangzhou"]
    park = await owner.fetchval("SELECT id FROM park WHERE tenant_id = $1 ORDER BY id LIMIT 1", gz)

    async def post(filename: str, data: bytes, content_type: str = "application/octet-stream"):  # type: ignore[no-untyped-def]
        body, header = form_body({}, filename, content_type, data)
        return await admin_gz.post(
            f"/z/guangzhou/documents/park/{park}",
            content=body,
            headers={"Content-Type": header},
            follow_redirects=False,
        )

    return post


@pytest.mark.parametrize("filename", ["销售统计.xlsx", "说明.docx"])
async def test_a_zip_bomb_is_refused_and_leaves_nothing(
    filename: str, park_upload, owner: asyncpg.Connection, tenants: dict
) -> None:
    bomb = word_bomb()
    assert len(bomb) < 400 * 1024  # small on disk, 300 MiB inside
    before = await stored_state(owner, tenants["guangzhou"])
    response = await park_upload(filename, bomb)
    assert response.status_code == 413, response.text[:1000]
    assert "解压后超过 256 MB 的上限" in response.text
    assert 'role="alert"' in response.text
    assert await stored_state(owner, tenants["guangzhou"]) == before  # no row, no object


async def test_a_word_document_named_xlsx_is_not_a_spreadsheet(
    park_upload, owner: asyncpg.Connection, tenants: dict
) -> None:
    before = await stored_state(owner, tenants["guangzhou"])
    response = await park_upload("报表.xlsx", small_word())
    assert response.status_code == 415, response.text[:1000]
    assert f"文件声明为 {XLSX} 类型，但其内容实际是 {DOCX}" in response.text
    assert await stored_state(owner, tenants["guangzhou"]) == before


async def test_too_many_entries_are_refused(
    park_upload, owner: asyncpg.Connection, tenants: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pilotzone.documents import services
    from pilotzone.settings import get_settings

    limited = get_settings().with_overrides(upload_zip_max_entries=50)
    monkeypatch.setattr(services, "get_settings", lambda: limited)
    before = await stored_state(owner, tenants["guangzhou"])
    response = await park_upload("多表.xlsx", many_entries(51))
    assert response.status_code == 413 and "包含的文件超过 50 个" in response.text
    assert await stored_state(owner, tenants["guangzhou"]) == before


async def test_a_real_spreadsheet_is_accepted(park_upload, owner: asyncpg.Connection, tenants: dict) -> None:
    book = Workbook()
    for i in range(2000):
        book.active.append(["一号园区", 1200 + i])
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    response = await park_upload("月报.xlsx", data)
    assert response.status_code == 303, response.text[:1000]
    row = await owner.fetchrow(
        "SELECT id, content_type FROM document WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1",
        tenants["guangzhou"],
    )
    assert row["content_type"] == XLSX
    await owner.execute("DELETE FROM document WHERE id = $1", row["id"])


def test_the_directory_is_read_without_inflating() -> None:
    """300 MiB declared: only the central directory at the end is read (the kept tail is bounded)."""
    tail = ZipTail()
    bomb = word_bomb()
    for i in range(0, len(bomb), 65536):
        tail.feed(bomb[i : i + 65536])
    assert tail.kept <= len(bomb)
    with pytest.raises(ArchiveRefused) as refused:
        tail.inspect(256 * 1024 * 1024, 10_000, 200)
    assert refused.value.status == 413
    assert tail.inspect(1 << 40, 10_000, 10_000) == DOCX
    with pytest.raises(ArchiveRefused) as ratio:
        tail.inspect(1 << 40, 10_000, 200)
    assert "倍" in str(ratio.value) or "times" in str(ratio.value)


def test_the_kept_tail_is_bounded() -> None:
    tail = ZipTail()
    for _ in range(20):
        tail.feed(b"x" * (1024 * 1024))
    assert tail.size == 20 * 1024 * 1024 and tail.kept < 6 * 1024 * 1024
