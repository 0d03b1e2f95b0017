"""The invoice PDF (A4, Chinese, reportlab's STSong-Light) and the 大写 converter."""

import base64
import re
import zlib
from decimal import Decimal

import pytest

from mercator.trading.pdf import amount_in_words
from mercator.trading.services.invoices import invoice_pdf, invoice_reverse
from tests.trading.test_invoices import issue, make_order, titles

STREAM = re.compile(rb"[^d]stream\r?\n(.*?)\r?\n?endstream", re.S)
TEXT = re.compile(rb"\(((?:\\.|[^\\)])*)\)\s*Tj")


def _unescape(raw: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == 0x5C:  # backslash
            nxt = raw[i + 1 : i + 2]
            if nxt.isdigit():
                digits = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4]).group(0)
                out.append(int(digits, 8))
                i += 1 + len(digits)
                continue
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def pdf_text(data: bytes) -> str:
    """The text shown by the PDF's content streams (CID text is UCS-2 big-endian)."""
    shown: list[str] = []
    for match in STREAM.finditer(data):
        head = data[: match.start()]
        head, body = head[head.rfind(b" obj") :], match.group(1)
        if b"ASCII85Decode" in head:
            body = base64.a85decode(body.strip().removesuffix(b"~>"), adobe=False)
        if b"FlateDecode" in head:
            body = zlib.decompress(body)
        for raw in TEXT.findall(body):
            chunk = _unescape(raw)
            try:
                shown.append(chunk.decode("utf-16-be"))
            except UnicodeDecodeError:
                shown.append(chunk.decode("latin-1"))
    return "".join(shown)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0.00", "零元整"),
        ("10.00", "壹拾元整"),
        ("1005.20", "壹仟零伍元贰角"),
        ("100000000.01", "壹亿元零壹分"),
        ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("1409.02", "壹仟肆佰零玖元零贰分"),
        ("100010.00", "壹拾万零壹拾元整"),
        ("1000500.00", "壹佰万零伍佰元整"),
        ("105000.00", "壹拾万伍仟元整"),
        ("100001000.00", "壹亿零壹仟元整"),
        ("2000000003.30", "贰拾亿零叁元叁角"),
        ("-508000.00", "负伍拾万捌仟元整"),
    ],
)
def test_amount_in_words(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_pdf_of_blue_and_red_invoice(world):
    titles(world)
    order = make_order(world, lines=(("100", "5080", "80"), ("2.5", "5000", "0")))
    invoice = issue(world, order)
    data = invoice_pdf(invoice)
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    assert 3000 < len(data) < 500_000
    text = pdf_text(data)
    assert "增值税普通发票" in text and "红字" not in text
    assert invoice.number in text
    for label in (
        "名称",
        "纳税人识别号",
        "地址、电话",
        "开户行及账号",
        "货物或应税劳务名称",
        "税额",
    ):
        assert label in text
    assert "华南食品有限公司" in text and "91440100MA5L222222" in text
    assert "崇左糖厂有限公司" in text
    assert amount_in_words(invoice.total) in text  # 伍拾贰万零伍佰元整
    assert "520,500.00" in text and order.number in text

    red = invoice_reverse(
        actor=world.actor(world.mill_boss), invoice_id=invoice.public_id, reason="退货"
    )
    red_text = pdf_text(invoice_pdf(red))
    assert "增值税普通发票（红字）" in red_text
    assert f"红字发票，冲销 No.{invoice.number}" in red_text
    assert red.number in red_text and "负伍拾贰万零伍佰元整" in red_text
