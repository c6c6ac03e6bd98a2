"""The certificate PDF: Chinese text in reportlab's built-in CID font, the issuing authority (the city's
bureau) and a QR code to /verify/<number>. Its metadata: title, author = the bureau, creation date =
the issue time (reportlab's invariant mode would write 2000-01-01 and "anonymous")."""

from __future__ import annotations

import io
from datetime import datetime

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from pilotzone.web.formats import zone

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def certificate_pdf(
    *,
    number: str,
    scheme_zh: str,
    scheme_en: str,
    subject: str,
    issued_at: datetime,
    valid_until: datetime,
    verify_url: str,
    issuer_zh: str,
    issuer_en: str,
    valid_from: datetime | None = None,
) -> bytes:
    tz = zone()  # the tenant's zone (Asia/Shanghai unless its setting says otherwise)
    issued_at, valid_until = issued_at.astimezone(tz), valid_until.astimezone(tz)
    valid_from = valid_from.astimezone(tz) if valid_from else None
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)  # same bytes for the same certificate
    pdf.setTitle(f"{scheme_zh} 认定证书 {number}")
    pdf.setAuthor(issuer_zh)
    pdf.setSubject(f"{scheme_en} certificate {number}, issued by {issuer_en}")
    pdf.setCreator("PilotZone")
    offset = int(issued_at.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
    stamp = (
        issued_at.strftime("D:%Y%m%d%H%M%S")
        + f"{'+' if offset >= 0 else '-'}{abs(offset) // 60:02d}'{abs(offset) % 60:02d}'"
    )
    pdf.setDateFormatter(lambda *_ymdhms: stamp)  # CreationDate and ModDate: the issue time
    width, height = A4
    pdf.setFont(FONT, 26)
    pdf.drawCentredString(width / 2, height - 120, "认定证书")
    pdf.setFont(FONT, 16)
    pdf.drawCentredString(width / 2, height - 160, scheme_zh)
    pdf.setFont("Helvetica", 11)
    pdf.drawCentredString(width / 2, height - 180, scheme_en)
    pdf.setFont(FONT, 13)
    lines = (
        f"证书编号：{number}",
        f"认定对象：{subject}",
        f"发证日期：{issued_at:%Y年%m月%d日}",
        *(
            (f"有效期自：{valid_from:%Y年%m月%d日}",)
            if valid_from and valid_from.date() != issued_at.date()
            else ()
        ),
        f"有效期至：{valid_until:%Y年%m月%d日}",
        f"发证机关：{issuer_zh}",
    )
    for i, line in enumerate(lines):
        pdf.drawString(90, height - 250 - i * 30, line)
    qr = QrCodeWidget(verify_url)
    x0, y0, x1, y1 = qr.getBounds()
    size = 120
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, pdf, width - 90 - size, 120)
    pdf.setFont(FONT, 9)
    pdf.drawString(90, 140, "扫描二维码或访问以下地址核验本证书：")
    pdf.setFont("Helvetica", 8)
    pdf.drawString(90, 126, verify_url)
    pdf.setFont("Helvetica", 9)
    pdf.drawString(90, 108, f"Issued by {issuer_en}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
