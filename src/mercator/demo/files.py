"""Files the demo's people upload: a business licence scan (a PDF, Chinese set in
reportlab's built-in CJK font, so no font file is needed) and a photo of frost-bitten
apples for the disputed order (a PNG drawn with Pillow). Made in memory, deterministic."""

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A5, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"


def licence_pdf(*, legal_name: str, credit_code: str, address: str) -> ContentFile:
    """A mock 营业执照 (business licence) naming the company, as an upload."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=landscape(A5), invariant=1)
    width, height = landscape(A5)
    page.setStrokeColorRGB(0.7, 0.1, 0.1)
    page.setLineWidth(3)
    page.rect(20, 20, width - 40, height - 40)
    page.setFont(FONT, 28)
    page.drawCentredString(width / 2, height - 80, "营 业 执 照")
    page.setFont(FONT, 12)
    rows = (
        ("统一社会信用代码", credit_code),
        ("名称", legal_name),
        ("类型", "有限责任公司"),
        ("住所", address),
        ("说明", "演示数据，非真实证照"),
    )
    y = height - 130
    for label, value in rows:
        page.drawString(60, y, f"{label}：{value}")
        y -= 26
    page.showPage()
    page.save()
    return ContentFile(buffer.getvalue(), name="营业执照.pdf")


def frozen_apples_png() -> ContentFile:
    """A photo-like picture of a crate of apples, a third of them frost-bitten."""
    image = Image.new("RGB", (480, 320), (196, 160, 112))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 470, 310), outline=(120, 84, 40), width=8)
    for row in range(3):
        for col in range(6):
            x, y = 40 + col * 72, 40 + row * 88
            bitten = (row * 6 + col) % 3 == 0
            colour = (150, 120, 110) if bitten else (200, 30, 40)
            draw.ellipse((x, y, x + 60, y + 60), fill=colour, outline=(90, 20, 20), width=2)
            if bitten:
                draw.ellipse((x + 18, y + 18, x + 42, y + 42), fill=(110, 90, 80))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name="到货照片.png")
