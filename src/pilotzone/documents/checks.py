"""Upload checks: the file name as sent and the type the upload claims (its name's extension and the
part's Content-Type) against the type its bytes show, before a byte reaches S3; for Office files
(ZIP archives) their central directory at the end (:class:`ZipTail`): the kind its entries show,
and the entry count, declared uncompressed size and ratio against the ``UPLOAD_ZIP_*`` limits."""

from __future__ import annotations

import re
import struct
import unicodedata
from collections import deque
from pathlib import PurePosixPath

from multipart import MultipartSegment, content_disposition_unquote, parse_options_header

from pilotzone.documents.sniff import ZIP_KINDS
from pilotzone.web.i18n import gettext as _

MAX_NAME = 200
_DRIVE = re.compile(r"^[A-Za-z]:")
_BIDI = {"\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}

# only formats with reliable magic bytes make a claim; a name without one of these claims nothing
# (text formats are left out: a GBK-encoded .csv is still a csv)
_BY_EXTENSION = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".jfif": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".zip": "application/zip",
    ".doc": "application/x-ole-storage",
    ".xls": "application/x-ole-storage",
    ".ppt": "application/x-ole-storage",
    ".exe": "application/x-msdownload",
    ".dll": "application/x-msdownload",
    **ZIP_KINDS,
}
# part Content-Types that say one thing only; others (octet-stream, vendor types that operating
# systems map inconsistently) claim nothing
_BY_CONTENT_TYPE = {
    "application/pdf": "application/pdf",
    "application/x-pdf": "application/pdf",
    "image/png": "image/png",
    "image/jpeg": "image/jpeg",
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/gif": "image/gif",
    "image/webp": "image/webp",
}


class BadName(ValueError):
    """The file name is refused; the message is shown to the user."""


def sent_filename(segment: MultipartSegment) -> str | None:
    """The filename exactly as the client sent it. ``segment.filename`` quietly drops a Windows
    path (``C:\\dir\\x.pdf`` becomes ``x.pdf``); a path must be refused, not cut off."""
    for name, value in segment.headerlist:
        if name == "Content-Disposition":
            _, options = parse_options_header(
                value, unquote=lambda v, _f=False: content_disposition_unquote(v)
            )
            return options.get("filename", segment.filename)
    return segment.filename


def check_filename(name: str) -> str:
    """Return the name to store (surrounding blanks dropped), or raise ``BadName``. Nothing else is
    rewritten: a name carrying a path (absolute or relative, POSIX or Windows), control characters
    or an absurd length is refused as a whole. ``%2e%2e%2f`` is a literal name: nothing decodes it."""
    if any(unicodedata.category(c) == "Cc" or c in _BIDI for c in name):
        raise BadName(_("The file name contains control characters."))
    stripped = name.strip()
    if "/" in stripped or "\\" in stripped or _DRIVE.match(stripped) or stripped in (".", ".."):
        raise BadName(_("The file name must not contain a folder path (/, \\ or ..)."))
    if not stripped:
        raise BadName(_("The file has no name."))
    if len(stripped) > MAX_NAME:
        raise BadName(_("The file name is longer than %(max)s characters.", max=MAX_NAME))
    return stripped


def claimed_types(filename: str, content_type: str | None) -> set[str]:
    """What the upload says it is: from the extension and from a specific part Content-Type."""
    claims = set()
    by_name = _BY_EXTENSION.get(PurePosixPath(filename).suffix.lower())
    if by_name:
        claims.add(by_name)
    by_header = _BY_CONTENT_TYPE.get((content_type or "").strip().lower())
    if by_header:
        claims.add(by_header)
    return claims


def check_claim(claims: set[str], sniffed: str) -> str | None:
    """The refusal message when the bytes contradict a claim, else None."""
    wrong = sorted(c for c in claims if c != sniffed)
    if not wrong:
        return None
    return _(
        "The file is declared as %(claimed)s but its content is %(actual)s.", claimed=wrong[0], actual=sniffed
    )


# -- Office files (OOXML, OFD) are ZIP archives: read their central directory, never inflate -----

ZIP_FAMILY = {"application/zip", *ZIP_KINDS.values()}
ZIP_TAIL = 4 * 1024 * 1024 + 22 + 65535  # kept end of the file: the central directory must fit in it
_EOCD, _EOCD64, _LOCATOR64, _CENTRAL = b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07", b"PK\x01\x02"
# the part that names each kind (OPC main parts; OFD's entry file)
_KIND_BY_PART = (
    ("word/", ZIP_KINDS[".docx"]),
    ("xl/", ZIP_KINDS[".xlsx"]),
    ("ofd.xml", ZIP_KINDS[".ofd"]),
)


class ArchiveRefused(ValueError):
    """An archive over a limit, or unreadable; ``status`` for the response, the message for the user."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ZipTail:
    """Keeps the last ``ZIP_TAIL`` bytes of a streamed upload (whole chunks, no copying per write)
    so that :meth:`inspect` can read the central directory once the upload has ended."""

    def __init__(self) -> None:
        self.chunks: deque[bytes] = deque()
        self.kept = 0
        self.size = 0

    def feed(self, data: bytes) -> None:
        self.chunks.append(data)
        self.kept += len(data)
        self.size += len(data)
        while self.chunks and self.kept - len(self.chunks[0]) >= ZIP_TAIL:
            self.kept -= len(self.chunks.popleft())

    def inspect(self, max_bytes: int, max_entries: int, max_ratio: int) -> str:
        """The kind the entries show (docx, xlsx, ofd or plain zip), or ``ArchiveRefused`` when the
        declared uncompressed total, the entry count or the expansion ratio is over its limit."""
        tail = b"".join(self.chunks)
        start = self.size - len(tail)  # file offset of tail[0]
        damaged = ArchiveRefused(400, _("The file is damaged or not a valid Office document."))
        at = tail.rfind(_EOCD, max(0, len(tail) - 22 - 65535))
        if at < 0 or len(tail) < at + 22:
            raise damaged
        entries, cd_size, cd_offset = struct.unpack_from("<6xHII", tail, at + 4)
        if entries == 0xFFFF or 0xFFFFFFFF in (cd_size, cd_offset):  # ZIP64
            loc = at - 20
            if loc < 0 or tail[loc : loc + 4] != _LOCATOR64:
                raise damaged
            (record,) = struct.unpack_from("<Q", tail, loc + 8)
            pos = record - start
            if pos < 0 or tail[pos : pos + 4] != _EOCD64:
                raise damaged
            entries, cd_size, cd_offset = struct.unpack_from("<QQQ", tail, pos + 32)
        if entries > max_entries:
            raise ArchiveRefused(413, _("The archive holds more than %(max)s files.", max=max_entries))
        pos = cd_offset - start
        if pos < 0 or cd_offset + cd_size > self.size:
            raise damaged  # the directory is not where it says, or larger than we keep
        total, names = 0, []
        for _i in range(entries):
            if pos + 46 > len(tail) or tail[pos : pos + 4] != _CENTRAL:
                raise damaged
            compressed, uncompressed, name_len, extra_len, comment_len = struct.unpack_from(
                "<IIHHH", tail, pos + 20
            )
            name = tail[pos + 46 : pos + 46 + name_len].decode("utf-8", "replace")
            if uncompressed == 0xFFFFFFFF:
                uncompressed = _zip64_size(tail[pos + 46 + name_len : pos + 46 + name_len + extra_len])
            total += uncompressed
            if total > max_bytes:
                raise ArchiveRefused(
                    413, _("The file expands to more than %(mb)s MB.", mb=max_bytes // (1024 * 1024))
                )
            names.append(name.lower())
            pos += 46 + name_len + extra_len + comment_len
        if total > 1024 * 1024 and total > max_ratio * self.size:
            raise ArchiveRefused(
                413,
                _(
                    "The file expands to %(ratio)s times its size (the limit is %(max)s).",
                    ratio=total // self.size,
                    max=max_ratio,
                ),
            )
        kinds = {kind for prefix, kind in _KIND_BY_PART if any(n.startswith(prefix) for n in names)}
        return kinds.pop() if len(kinds) == 1 else "application/zip"


def _zip64_size(extra: bytes) -> int:
    """The uncompressed size from a ZIP64 extended-information extra field (it comes first there)."""
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == 0x0001 and length >= 8:
            return struct.unpack_from("<Q", extra, pos + 4)[0]
        pos += 4 + length
    raise ArchiveRefused(400, _("The file is damaged or not a valid Office document."))
