"""Demo data for the embedded run (idempotent): a sample document per tenant and a statistics snapshot."""

from __future__ import annotations

from pilotzone import db
from pilotzone.documents.services import documents_of, store_bytes
from pilotzone.registry.tables import Park
from pilotzone.tenancy.context import TenantContext, tenant_transaction
from pilotzone.tenancy.jobs import start_snapshot
from pilotzone.tenancy.services import list_tenants


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


async def seed() -> None:
    async with db.transaction({"app.scope": "public"}):
        tenants = await list_tenants()
    for tenant in tenants:
        async with tenant_transaction(TenantContext(tenant["id"], tenant["slug"])):
            park = await Park.objects().where(Park.status == "active").order_by(Park.id).first()
            if park is not None and not await documents_of("park", park.id):
                await store_bytes(
                    "park",
                    park.id,
                    f"{park.key}-profile.pdf",
                    sample_pdf(f"{tenant['name_en']}: {park.name_en}"),
                )
            await start_snapshot()
    print(f"  demo data: sample documents and statistics snapshots for {len(tenants)} tenants", flush=True)
