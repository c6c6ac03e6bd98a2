"""The dashboards' gzip responses: shared parts deflated once, spliced with per-request parts, are one
valid gzip stream (checked by the standard library's gzip, CRC and length included) of the whole page;
and the page served that way is what a client without gzip gets."""

from __future__ import annotations

import gzip
import random
import zlib

import pytest
from tests.support import demo

from pilotzone.overview.spliced import deflate, gzip_parts


def test_spliced_parts_are_one_gzip_stream() -> None:
    rng = random.Random(6)
    words = ["广州", "<td>", "</a>", "href=", "/province/list?metric=", "2026-01", "佛山", "42"]
    big = "".join(rng.choice(words) for _ in range(40_000))  # larger than deflate's 32 KiB window
    shared = deflate(big)
    parts = [b"<html>head " * 50, shared, b"", "中间 per request".encode(), deflate("tail shared"), b"</html>"]
    body = gzip_parts(parts)
    expected = b"".join(p.raw if hasattr(p, "raw") else p for p in parts)
    assert gzip.decompress(body) == expected
    assert len(body) < len(expected) / 3  # and it is compressed
    assert gzip.decompress(gzip_parts([])) == b""
    corrupt = body[:-8] + bytes([body[-8] ^ 1]) + body[-7:]  # the CRC covers every part
    with pytest.raises((OSError, zlib.error)):
        gzip.decompress(corrupt)


async def test_the_dashboard_is_the_same_with_and_without_gzip(as_user) -> None:  # type: ignore[no-untyped-def]
    async with as_user(demo("province-viewer")) as viewer:
        zipped = await viewer.get("/province/?from=2026-01&to=2026-12", headers={"Accept-Encoding": "gzip"})
        assert zipped.headers["content-encoding"] == "gzip"
        plain = await viewer.get("/province/?from=2026-01&to=2026-12", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert zipped.text == plain.text and 'id="main-table"' in plain.text and "<!--pz:" not in plain.text
