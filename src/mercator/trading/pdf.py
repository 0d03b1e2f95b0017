"""Invoice PDFs: an A4 page in Chinese laid out like a 增值税普通发票, drawn with
reportlab in a TrueType CJK font embedded in the file (a subset), so the invoice reads the
same on any viewer. The font is looked up at run time: ``settings.MERCATOR_PDF_FONT`` (a
path, ``path.ttc#index`` for a collection member) first, then the Debian packages'
fonts (``fonts-wqy-zenhei``, ``fonts-arphic-uming``; .ci/run installs the first). CFF
OpenType fonts such as Noto CJK cannot be embedded by reportlab and are not candidates.
With none installed it falls back to reportlab's built-in CID font ``STSong-Light``
(not embedded: the viewer substitutes a font) and logs a warning.

Also here: ``amount_in_words``, the Chinese capital numerals (大写) of an amount as the
banks' rules write them (《支付结算办法》): "元整" when there are no 角/分, "零" for a
run of zeros inside the number, "零" between 元 and 分 when 角 is zero, nothing after 分.
"""

import logging
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

logger = logging.getLogger(__name__)

FALLBACK_FONT = "STSong-Light"
EMBEDDED_FONT = "MercatorCJK"
# TrueType (glyf) CJK fonts from Debian packages, in order of preference.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc#0",  # fonts-wqy-zenhei
    "/usr/share/fonts/truetype/arphic/uming.ttc#0",  # fonts-arphic-uming
    "/usr/share/fonts/truetype/arphic/ukai.ttc#0",  # fonts-arphic-ukai
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc#0",  # fonts-wqy-microhei
)
DIGITS = "零壹贰叁肆伍陆柒捌玖"
IN_SECTION = ("", "拾", "佰", "仟")
SECTIONS = ("", "万", "亿", "万亿", "亿亿")
UNIT_LABELS = {"t": "吨", "kg": "千克", "pair": "双", "m3": "立方米", "piece": "件"}
INK = colors.HexColor("#7a4a12")
RED = colors.HexColor("#b3261e")

_registered: str | None = None


def _candidates() -> list[str]:
    configured = getattr(settings, "MERCATOR_PDF_FONT", "") or ""
    return ([configured] if configured else []) + list(FONT_CANDIDATES)


def _load(spec: str) -> TTFont | None:
    path, _hash, index = spec.partition("#")
    if not Path(path).is_file():
        return None
    try:
        return TTFont(EMBEDDED_FONT, path, subfontIndex=int(index or 0))
    except Exception as exc:  # a CFF font, a damaged file: try the next one
        logger.warning("PDF font %s cannot be embedded: %s", path, exc)
        return None


def _font() -> str:
    """The registered font's name: the first embeddable candidate, else STSong-Light."""
    global _registered
    if _registered is None:
        for spec in _candidates():
            font = _load(spec)
            if font is not None:
                pdfmetrics.registerFont(font)
                _registered = EMBEDDED_FONT
                break
        else:
            logger.warning(
                "No embeddable CJK TrueType font found (install fonts-wqy-zenhei or set "
                "MERCATOR_PDF_FONT); invoices use STSong-Light, which is not embedded."
            )
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
            _registered = FALLBACK_FONT
    return _registered


# --------------------------------------------------------------------------- 大写


def _section(value: int) -> str:
    """1..9999 in capitals, zeros inside the section read as one 零."""
    out: list[str] = []
    zero = False
    for power in range(3, -1, -1):
        digit = value // 10**power % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[digit] + IN_SECTION[power])
    return "".join(out)


def _integer(value: int) -> str:
    sections: list[int] = []
    while value:
        sections.append(value % 10000)
        value //= 10000
    if len(sections) > len(SECTIONS):
        raise ValueError("amount too large")
    out: list[str] = []
    skipped = False
    for index in range(len(sections) - 1, -1, -1):
        part = sections[index]
        if part == 0:
            skipped = bool(out)
            continue
        if out and (part < 1000 or skipped):
            out.append("零")
        out.append(_section(part) + SECTIONS[index])
        skipped = False
    return "".join(out)


def amount_in_words(amount: Decimal) -> str:
    """壹万贰仟叁佰肆拾伍元陆角柒分 for 12345.67; 零元整 for 0; 负… for a negative amount."""
    cents = int((abs(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    sign = "负" if amount < 0 and cents else ""
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    words = _integer(yuan) + "元" if yuan else ""
    if jiao == 0 and fen == 0:
        return sign + words + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += DIGITS[fen] + "分"
    return sign + words


# --------------------------------------------------------------------------- layout


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _qty(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _styles(colour: Any) -> dict[str, ParagraphStyle]:
    font = _font()
    return {
        "title": ParagraphStyle(
            "title", fontName=font, fontSize=20, leading=26, alignment=TA_CENTER, textColor=colour
        ),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11),
        "small": ParagraphStyle("small", fontName=font, fontSize=8, leading=11, textColor=INK),
        "note": ParagraphStyle("note", fontName=font, fontSize=9, leading=12, textColor=colour),
    }


def _party(label: str, title: dict[str, str], st: dict[str, ParagraphStyle]) -> Table:
    rows = [
        ["名称", title.get("name", "")],
        ["纳税人识别号", title.get("tax_no", "")],
        [
            "地址、电话",
            " ".join(p for p in (title.get("address", ""), title.get("phone", "")) if p),
        ],
        ["开户行及账号", title.get("bank", "")],
    ]
    body = [[Paragraph(a, st["cell"]), Paragraph(b, st["cell"])] for a, b in rows]
    inner = Table(body, colWidths=[26 * mm, 140 * mm])
    inner.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    outer = Table([[Paragraph(label, st["cell"]), inner]], colWidths=[12 * mm, 168 * mm])
    outer.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, INK),
                ("LINEAFTER", (0, 0), (0, 0), 0.8, INK),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return outer


def _lines_table(invoice: Any, lines: list[Any], st: dict[str, ParagraphStyle]) -> Table:
    rate = f"{invoice.tax_percent.normalize():f}%"
    head = ["货物或应税劳务名称", "单位", "数量", "单价", "金额", "税率", "税额"]
    data: list[list[Any]] = [[Paragraph(h, st["cell"]) for h in head]]
    for ln in lines:
        net_unit = (ln.net_amount / ln.quantity).quantize(Decimal("0.0001")) if ln.quantity else 0
        data.append(
            [
                Paragraph(ln.description, st["cell"]),
                UNIT_LABELS.get(ln.unit, ln.unit),
                _qty(ln.quantity),
                f"{net_unit:,.4f}",
                _money(ln.net_amount),
                rate,
                _money(ln.tax_amount),
            ]
        )
    data.append(
        ["合计", "", "", "", f"￥{_money(invoice.net_total)}", "", f"￥{_money(invoice.tax_total)}"]
    )
    table = Table(
        data,
        colWidths=[60 * mm, 12 * mm, 20 * mm, 24 * mm, 26 * mm, 12 * mm, 26 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), _font()),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("BOX", (0, 0), (-1, -1), 0.8, INK),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, INK),
                ("LINEABOVE", (0, -1), (-1, -1), 0.5, INK),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _total_row(invoice: Any, st: dict[str, ParagraphStyle]) -> Table:
    words = amount_in_words(invoice.total)
    table = Table(
        [
            [
                Paragraph("价税合计（大写）", st["cell"]),
                Paragraph(words, st["cell"]),
                Paragraph(f"（小写）￥{_money(invoice.total)}", st["cell"]),
            ]
        ],
        colWidths=[30 * mm, 100 * mm, 50 * mm],
    )
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, INK)]))
    return table


def render_invoice(invoice: Any) -> bytes:
    """The PDF bytes of one invoice (blue or red)."""
    lines = list(invoice.lines.select_related("order").order_by("pk"))
    red = invoice.kind == "red"
    colour = RED if red else INK
    st = _styles(colour)
    issued = timezone.localtime(invoice.issued_at)
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=f"{'红字' if red else ''}增值税普通发票 {invoice.number}",
        author="Mercator",
        subject=invoice.number,
    )
    head = Table(
        [
            [
                Paragraph(f"发票号码：No.{invoice.number}", st["cell"]),
                Paragraph(f"开票日期：{issued:%Y年%m月%d日}", st["cell"]),
            ]
        ],
        colWidths=[90 * mm, 90 * mm],
    )
    story: list[Any] = [
        Paragraph("增值税普通发票（红字）" if red else "增值税普通发票", st["title"]),
        Spacer(1, 4 * mm),
        head,
        Spacer(1, 2 * mm),
        _party("购买方", invoice.buyer_title, st),
        Spacer(1, 2 * mm),
        _lines_table(invoice, lines, st),
        _total_row(invoice, st),
        Spacer(1, 2 * mm),
        _party("销售方", invoice.seller_title, st),
        Spacer(1, 3 * mm),
    ]
    remarks: list[str] = []
    if red and invoice.reverses_id:
        remarks.append(f"红字发票，冲销 No.{invoice.reverses.number}。原因：{invoice.reason}")
    numbers = sorted({ln.order.number for ln in lines})
    if numbers:
        remarks.append("订单：" + "、".join(numbers[:40]) + ("……" if len(numbers) > 40 else ""))
    if invoice.period_start and invoice.period_end:
        remarks.append(
            f"账单周期：{invoice.period_start:%Y-%m-%d} 至 {invoice.period_end:%Y-%m-%d}"
        )
    story.append(Paragraph("备注：" + "；".join(remarks), st["note"]))
    story.append(Spacer(1, 6 * mm))
    issuer = getattr(getattr(invoice.issued_by, "person", None), "display_name", "")
    platform = settings.MERCATOR.get("PLATFORM_NAME", "Mercator")
    story.append(
        Paragraph(
            f"开票人：{issuer}　　本发票经 {platform} 平台开具，"
            "资金与发票均经平台流转（真实成交）。",
            st["small"],
        )
    )

    def footer(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(_font(), 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(
            15 * mm, 10 * mm, f"{platform} · No.{invoice.number} · 第 {canvas.getPageNumber()} 页"
        )
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
