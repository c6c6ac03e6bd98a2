"""Content type from the bytes themselves; the client's Content-Type is never trusted."""

from __future__ import annotations

from pathlib import PurePath

SNIFF_BYTES = 2048

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"MZ", "application/x-msdownload"),
    (b"\x7fELF", "application/x-executable"),
)

# zip containers are told apart by their extension once the bytes prove they are a zip: provisionally,
# until checks.ZipTail reads the entries at the end of the upload and names the kind they show
ZIP_KINDS = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ofd": "application/ofd",
}


def sniff(head: bytes, filename: str) -> str:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            if kind == "application/zip":
                return ZIP_KINDS.get(PurePath(filename).suffix.lower(), kind)
            return kind
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a multi-byte character cut at the end is still text
                return "application/octet-stream"
        return "text/plain"
    return "application/octet-stream"
