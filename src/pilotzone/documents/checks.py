"""Upload checks made before a byte reaches S3: the file name as sent, and the type the upload
claims (its name's extension and the part's Content-Type) against the type its bytes show."""

from __future__ import annotations

import re
import unicodedata
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
