"""S3 down (issue 11, item 9), with a `weed mini` that this test starts and stops: an upload or a
download answers 503 with a page that says so, within the bound the settings give (timeouts and
retries), and nothing is left behind (no document row, no object).

Before: minio's default client retried five times with back-off (an upload failed with a generic 500
after 12-19 s) and a download started a 200 answer, then broke off."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import asyncpg
import pytest
from tests.integration.documents.uploads import stored_objects

from pilotzone.demo import sample_pdf
from pilotzone.documents.storage import failure_bound, get_storage
from pilotzone.embedded import WeedServer, free_port
from pilotzone.settings import reload_settings

LIMITS = {"S3_CONNECT_TIMEOUT": "1", "S3_READ_TIMEOUT": "2", "S3_RETRIES": "1"}


@pytest.fixture
def own_s3(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The app's storage pointed at a weed of this test (with short limits), restored afterwards."""
    weed = WeedServer(tmp_path / "s3", free_port(), "downaccess", "downsecret-" + uuid.uuid4().hex)
    weed.start()
    saved = {k: os.environ.get(k) for k in (*LIMITS, "S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY")}
    os.environ.update(
        {
            **LIMITS,
            "S3_ENDPOINT": weed.endpoint,
            "S3_ACCESS_KEY": weed.access_key,
            "S3_SECRET_KEY": weed.secret_key,
        }
    )
    settings = reload_settings()
    get_storage.cache_clear()
    try:
        get_storage().ensure_bucket()
        yield weed, failure_bound(settings)
    finally:
        if weed.process is not None and weed.process.poll() is None:
            os.killpg(weed.process.pid, signal.SIGCONT)  # in case a test left it stopped
        weed.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reload_settings()
        get_storage.cache_clear()


async def _park(owner: asyncpg.Connection, tenant_id: int) -> int:
    return await owner.fetchval("SELECT id FROM park WHERE tenant_id = $1 ORDER BY id LIMIT 1", tenant_id)


def _is_unavailable_page(response) -> bool:  # type: ignore[no-untyped-def]
    return (
        response.status_code == 503
        and response.headers.get("retry-after") == "30"
        and 'id="unavailable-reason"' in response.text
        and "文件存储服务暂时无法连接" in response.text
        and "</html>" in response.text  # a whole page, not a cut-off stream
    )


async def test_upload_with_s3_down_is_a_quick_503_and_leaves_nothing(
    own_s3, admin_gz, owner: asyncpg.Connection, tenants: dict
) -> None:
    weed, bound = own_s3
    gz = tenants["guangzhou"]
    park = await _park(owner, gz)
    rows = await owner.fetchval("SELECT count(*) FROM document WHERE tenant_id = $1", gz)
    weed.stop()
    for size in (100_000, 12 * 1024 * 1024):  # one request, and a multipart upload (three parts)
        body = sample_pdf("s3 down") + os.urandom(size)
        started = time.monotonic()
        response = await admin_gz.post(
            f"/z/guangzhou/documents/park/{park}",
            files={"file": ("down.pdf", body, "application/pdf")},
            follow_redirects=False,
        )
        took = time.monotonic() - started
        print(
            f"upload of {len(body)} bytes with S3 down: {response.status_code} after {took:.2f} s (bound {bound} s)"
        )
        assert _is_unavailable_page(response), (response.status_code, response.text[:500])
        assert took < bound
    assert await owner.fetchval("SELECT count(*) FROM document WHERE tenant_id = $1", gz) == rows
    weed.start()  # back: nothing of the failed uploads is in the bucket, and uploads work again
    assert stored_objects(f"{gz}/park/{park}/") == []
    again = await admin_gz.post(
        f"/z/guangzhou/documents/park/{park}",
        files={"file": ("up.pdf", sample_pdf("s3 up"), "application/pdf")},
        follow_redirects=False,
    )
    assert again.status_code == 303


async def test_download_with_s3_down_is_a_503_page_not_a_broken_stream(
    own_s3, admin_gz, owner: asyncpg.Connection, tenants: dict
) -> None:
    weed, bound = own_s3
    gz = tenants["guangzhou"]
    park = await _park(owner, gz)
    uploaded = await admin_gz.post(
        f"/z/guangzhou/documents/park/{park}",
        files={"file": ("keep.pdf", sample_pdf("kept") + os.urandom(600_000), "application/pdf")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    doc_id = await owner.fetchval("SELECT max(id) FROM document WHERE tenant_id = $1", gz)

    weed.stop()  # down: refused at once
    started = time.monotonic()
    response = await admin_gz.get(f"/z/guangzhou/documents/{doc_id}")
    took = time.monotonic() - started
    print(f"download with S3 stopped: {response.status_code} after {took:.2f} s (bound {bound} s)")
    assert _is_unavailable_page(response) and took < bound

    weed.start()
    os.killpg(weed.process.pid, signal.SIGSTOP)  # hung: accepts connections, never answers
    try:
        started = time.monotonic()
        response = await admin_gz.get(f"/z/guangzhou/documents/{doc_id}")
        took = time.monotonic() - started
    finally:
        os.killpg(weed.process.pid, signal.SIGCONT)
    print(f"download with S3 hung: {response.status_code} after {took:.2f} s (bound {bound} s)")
    assert _is_unavailable_page(response) and took < bound
    assert (await admin_gz.get(f"/z/guangzhou/documents/{doc_id}")).status_code == 200
