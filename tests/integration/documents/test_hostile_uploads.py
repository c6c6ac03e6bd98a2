"""Hostile uploads are refused with a clear message and leave nothing behind, through both upload
routes: the generic documents route (a park) and the certification application's documents.

Bodies are built by hand so the file name reaches the server byte for byte as a client sent it
(httpx would percent-encode control characters and double backslashes)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import asyncpg
import pytest
from tests import factories
from tests.integration.documents.uploads import form_body, stored_state
from tests.support import demo

from pilotzone.demo import sample_pdf

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + os.urandom(4000)
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + os.urandom(4000)
LIMIT = 9 * 1024 * 1024
PATH_MSG = "文件名不能包含文件夹路径"


@dataclass(frozen=True)
class Case:
    filename: str
    body: bytes
    status: int
    message: str
    content_type: str = "application/pdf"
    limit: int | None = None


CASES = {
    # the S3 multipart upload has begun (a 5 MiB part is sent) when the limit hits: it must be aborted
    "oversize": Case(
        "big.pdf",
        sample_pdf("big") + os.urandom(10 * 1024 * 1024),
        413,
        "文件超过 9 MB 的大小上限",
        limit=LIMIT,
    ),
    "png-named-pdf": Case("scan.pdf", PNG, 415, "文件声明为 application/pdf 类型，但其内容实际是 image/png"),
    "exe-named-jpg": Case(
        "photo.jpg",
        EXE,
        415,
        "文件声明为 image/jpeg 类型，但其内容实际是 application/x-msdownload",
        "image/jpeg",
    ),
    "exe-no-claim": Case(
        "tool", EXE, 415, "不接受 application/x-msdownload 类型的文件", "application/octet-stream"
    ),
    "pdf-sent-as-png": Case(
        "园区简介.pdf",
        sample_pdf("lie"),
        415,
        "文件声明为 image/png 类型，但其内容实际是 application/pdf",
        "image/png",
    ),
    "traversal-posix": Case("../../etc/passwd", sample_pdf("t"), 400, PATH_MSG),
    "traversal-windows": Case("..\\..\\x.pdf", sample_pdf("t"), 400, PATH_MSG),
    "traversal-mixed": Case("a/../../x.pdf", sample_pdf("t"), 400, PATH_MSG),
    "absolute-posix": Case("/etc/cron.d/x.pdf", sample_pdf("t"), 400, PATH_MSG),
    "absolute-windows": Case("C:\\Windows\\System32\\x.pdf", sample_pdf("t"), 400, PATH_MSG),
    "unc-path": Case("\\\\server\\share\\x.pdf", sample_pdf("t"), 400, PATH_MSG),
    "drive-relative": Case("C:x.pdf", sample_pdf("t"), 400, PATH_MSG),
    "dot-dot": Case("..", sample_pdf("t"), 400, PATH_MSG),
    "nul": Case("x.pdf\x00.exe", sample_pdf("t"), 400, "文件名包含控制字符"),
    "newline": Case("x\r\nContent-Type: text/html.pdf", sample_pdf("t"), 400, "文件名包含控制字符"),
    "escape": Case("x\x1b[31m.pdf", sample_pdf("t"), 400, "文件名包含控制字符"),
    "bidi-override": Case("invoice\u202efdp.exe", sample_pdf("t"), 400, "文件名包含控制字符"),
    "overlong": Case("名" * 201 + ".pdf", sample_pdf("t"), 400, "文件名超过 200 个字符"),
    "blank-name": Case("   ", sample_pdf("t"), 400, "文件没有文件名"),
    "empty": Case("e.pdf", b"", 400, "文件为空"),
}


@pytest.fixture(scope="module")
async def application(as_user, owner: asyncpg.Connection, tenants: dict):  # type: ignore[no-untyped-def]
    """A draft overseas-warehouse application of the guangzhou enterprise user, and that user's client."""
    gz = tenants["guangzhou"]
    enterprise = await owner.fetchval(
        'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1 AND m.tenant_id = $2',
        demo("enterprise", "guangzhou"),
        gz,
    )
    warehouse = (
        await factories.warehouse(
            "guangzhou",
            enterprise,
            country="NL",
            city="Rotterdam",
            address="恶意上传测试仓",
            floor_area=4000,
            wms_integrated=True,
        )
    ).id
    async with as_user(demo("enterprise", "guangzhou")) as client:
        created = await client.post(
            "/z/guangzhou/applications/",
            data={"scheme": "overseas-warehouse", "subject_id": str(warehouse)},
            follow_redirects=False,
        )
        assert created.status_code == 303, created.text[:500]
        yield client, int(created.headers["location"].rsplit("/", 1)[1])
    await owner.execute(
        "DELETE FROM document WHERE owner_kind = 'application' AND owner_id IN "
        "(SELECT id FROM submission WHERE subject_kind = 'overseas_warehouse' AND subject_id = $1)",
        warehouse,
    )
    await owner.execute(  # with its certification part
        "DELETE FROM submission WHERE subject_kind = 'overseas_warehouse' AND subject_id = $1", warehouse
    )
    await owner.execute("DELETE FROM overseas_warehouse WHERE id = $1", warehouse)


@pytest.fixture
async def routes(admin_gz, application, owner: asyncpg.Connection, tenants: dict) -> dict:  # type: ignore[no-untyped-def]
    park = await owner.fetchval(
        "SELECT id FROM park WHERE tenant_id = $1 ORDER BY id LIMIT 1", tenants["guangzhou"]
    )
    client, app_id = application
    return {
        "documents": (admin_gz, f"/z/guangzhou/documents/park/{park}", {}, 'aria-describedby="file-error"'),
        "application": (
            client,
            f"/z/guangzhou/applications/{app_id}/documents",
            {"doc_key": "lease"},
            'aria-describedby="file-lease-error"',
        ),
    }


@pytest.mark.parametrize("route", ["documents", "application"])
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
async def test_hostile_upload_is_refused_and_leaves_nothing(
    route: str,
    case: str,
    routes: dict,
    owner: asyncpg.Connection,
    tenants: dict,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = CASES[case]
    if spec.limit is not None:
        from pilotzone.documents import services
        from pilotzone.settings import get_settings

        limited = get_settings().with_overrides(upload_max_bytes=spec.limit)
        monkeypatch.setattr(services, "get_settings", lambda: limited)
    client, url, fields, described = routes[route]
    gz = tenants["guangzhou"]
    before = await stored_state(owner, gz)
    body, content_type = form_body(fields, spec.filename, spec.content_type, spec.body)
    response = await client.post(
        url, content=body, headers={"Content-Type": content_type}, follow_redirects=False
    )
    assert response.status_code == spec.status, response.text[:2000]
    assert spec.message in response.text
    assert 'aria-invalid="true"' in response.text and described in response.text
    assert 'role="alert"' in response.text
    assert await stored_state(owner, gz) == before


async def test_percent_escapes_are_a_literal_name(admin_gz, owner: asyncpg.Connection, tenants: dict) -> None:
    """``%2e%2e%2f`` is not decoded by anything on the way (the WHATWG form encoding only uses
    %22, %0D and %0A): it is a harmless literal name, stored and served back as such."""
    gz = tenants["guangzhou"]
    park = await owner.fetchval("SELECT id FROM park WHERE tenant_id = $1 ORDER BY id LIMIT 1", gz)
    name = "%2e%2e%2f%2e%2e%2fetc%2fpasswd.pdf"
    body, content_type = form_body({}, name, "application/pdf", sample_pdf("literal"))
    response = await admin_gz.post(
        f"/z/guangzhou/documents/park/{park}",
        content=body,
        headers={"Content-Type": content_type},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:1000]
    row = await owner.fetchrow(
        "SELECT id, filename, storage_key FROM document WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1", gz
    )
    assert row["filename"] == name
    assert row["storage_key"].startswith(f"{gz}/park/{park}/") and "%" not in row["storage_key"]
    download = await admin_gz.get(f"/z/guangzhou/documents/{row['id']}")
    assert download.headers["content-disposition"].endswith(
        "filename*=UTF-8''%252e%252e%252f%252e%252e%252fetc%252fpasswd.pdf"
    )
    body, content_type = form_body({}, '报告"终稿".pdf', "application/pdf", sample_pdf("q"))
    quoted = await admin_gz.post(  # a quote in a name arrives as %22 and is restored, not refused
        f"/z/guangzhou/documents/park/{park}", content=body, headers={"Content-Type": content_type}
    )
    assert quoted.status_code == 200, quoted.text[:1000]  # followed the redirect to the park page
    assert await owner.fetchval(
        "SELECT filename FROM document WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1", gz
    ) == ('报告"终稿".pdf')
