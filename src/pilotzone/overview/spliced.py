"""Dashboard responses whose shared parts are gzip-compressed once.

The figures of a dashboard (charts, tables, the refresh times) are the same bytes for everyone who
sees that period, sort and language until the next refresh; the rest of the page (navigation, the
signed-in user, CSRF token, buttons, report list) is rendered per request. Each shared part is
deflated once on its own (a fresh compressor, sync-flushed, so it never refers to bytes before it)
and the per-request parts are deflated around it: the concatenation is one valid gzip stream with
the CRC of the whole page. Routes using this opt out of the compression middleware
(``NO_COMPRESSION``) so nothing is compressed twice.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from litestar import Request
from litestar.response import Response

LEVEL = 6  # as the compression middleware (see app.py)
NO_COMPRESSION = {"no_compression": True}  # merged into the route's opt (see app.py)
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_FINAL = zlib.compressobj(LEVEL, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # an empty last block


@dataclass(frozen=True)
class Deflated:
    """A shared part: its bytes and their deflate blocks (byte-aligned, not the last block)."""

    raw: bytes
    blocks: bytes


def deflate(text: str) -> Deflated:
    raw = text.encode()
    c = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return Deflated(raw, c.compress(raw) + c.flush(zlib.Z_SYNC_FLUSH))


def gzip_parts(parts: list[bytes | Deflated]) -> bytes:
    """One gzip stream of the parts in order: shared parts as deflated once, the others now."""
    out, crc, size = [_GZIP_HEADER], 0, 0
    for part in parts:
        if isinstance(part, Deflated):
            raw, blocks = part.raw, part.blocks
        else:
            raw = part
            c = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
            blocks = c.compress(raw) + c.flush(zlib.Z_SYNC_FLUSH) if raw else b""
        crc, size = zlib.crc32(raw, crc), size + len(raw)
        out.append(blocks)
    out += [_FINAL, struct.pack("<II", crc, size & 0xFFFFFFFF)]
    return b"".join(out)


def html_response(request: Request, parts: list[bytes | Deflated]) -> Response:
    """The parts as one HTML response, gzip when the client takes it (and plain otherwise)."""
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(
            gzip_parts(parts),
            media_type="text/html; charset=utf-8",
            headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
        )
    body = b"".join(p.raw if isinstance(p, Deflated) else p for p in parts)
    return Response(body, media_type="text/html; charset=utf-8", headers={"Vary": "Accept-Encoding"})
