"""What the demo accounts and the demo work share: the demo cities, the accounts' e-mail addresses and
password, a sample PDF to file as a document."""

from __future__ import annotations

import os

DEMO_DOMAIN = "demo.pilotzone.cn"
DEMO_TENANTS = ("guangzhou", "foshan")
# public registrations of the demo come from this address (TEST-NET-2, never a real client): the
# per-address rate limit of the registration form is not used up for anybody else
DEMO_IP = "198.51.100.7"


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", "pilotzone-demo-2026")


def demo_email(local: str, slug: str | None = None) -> str:
    return f"{local}.{slug}@{DEMO_DOMAIN}" if slug else f"{local}@{DEMO_DOMAIN}"


def sample_pdf(title: str) -> bytes:
    """A one-page PDF written by hand (ASCII text; no font files needed)."""
    text = title.replace("\\\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
