"""The invoice PDF (A4, Chinese, its CJK font embedded) and the 大写 converter."""

import base64
import os
import re
import zlib
from decimal import Decimal

import pytest

from mercator.trading.pdf import amount_in_words
from mercator.trading.services.invoices import invoice_pdf, invoice_reverse
from tests.trading.test_invoices import issue, make_order, titles

OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
STREAM = re.compile(rb"stream\r?\n(.*?)\r?\n?endstream", re.S)
SHOW = re.compile(rb"/(\S+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)\s*Tj")
BFCHAR = re.compile(rb"<([0-9A-Fa-f]{2})> <([0-9A-Fa-f]{4})>")


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


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Each object's dictionary and its decoded stream (None without one)."""
    found: dict[int, tuple[bytes, bytes | None]] = {}
    for match in OBJECT.finditer(data):
        body = match.group(2)
        stream = STREAM.search(body)
        head = body[: stream.start()] if stream else body
        content = stream.group(1) if stream else None
        if content is not None and b"ASCII85Decode" in head:
            content = base64.a85decode(content.strip().removesuffix(b"~>"), adobe=False)
        if content is not None and b"FlateDecode" in head:
            content = zlib.decompress(content)
        found[int(match.group(1))] = (head, content)
    return found


def pdf_text(data: bytes) -> str:
    """The text shown by the PDF's content streams. An embedded TrueType subset's codes
    are single bytes read through its /ToUnicode map; CID text is UCS-2 big-endian."""
    objects = _objects(data)
    maps: dict[bytes, dict[int, str]] = {}
    for head, _content in objects.values():
        name = re.search(rb"/Name /(\S+)", head)
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", head)
        if name and to_unicode:
            cmap = objects[int(to_unicode.group(1))][1] or b""
            maps[name.group(1)] = {
                int(code, 16): chr(int(char, 16)) for code, char in BFCHAR.findall(cmap)
            }
    shown: list[str] = []
    for head, content in objects.values():
        if content is None or b"Tj" not in content or b"/Length1" in head:
            continue
        font: dict[int, str] | None = None
        for match in SHOW.finditer(content):
            if match.group(1) is not None:
                font = maps.get(match.group(1))
                continue
            chunk = _unescape(match.group(2))
            if font is not None:
                shown.append("".join(font.get(byte, chr(byte)) for byte in chunk))
                continue
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


def test_pdf_embeds_its_font(world, settings):
    """With a TrueType CJK font installed (.ci/run installs fonts-wqy-zenhei) the invoice
    carries it (/FontFile2); without one it falls back to STSong-Light, not embedded."""
    from mercator.trading import pdf

    if pdf._font() != pdf.EMBEDDED_FONT:
        message = "no embeddable CJK TrueType font installed (apt-get install fonts-wqy-zenhei)"
        if os.environ.get("MERCATOR_REQUIRE_ALL") == "1":
            pytest.fail(message)
        pytest.skip(message)
    titles(world)
    data = invoice_pdf(issue(world, make_order(world)))
    assert b"/FontFile2" in data and b"STSong-Light" not in data
    assert "增值税普通发票" in pdf_text(data)


def test_pdf_font_falls_back_with_a_warning(monkeypatch, settings, caplog, tmp_path):
    from mercator.trading import pdf

    monkeypatch.setattr(pdf, "_registered", None)
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())
    not_a_font = tmp_path / "broken.ttf"
    not_a_font.write_bytes(b"not a font")
    settings.MERCATOR_PDF_FONT = str(not_a_font)
    with caplog.at_level("WARNING", logger="mercator.trading.pdf"):
        assert pdf._font() == pdf.FALLBACK_FONT
    assert "STSong-Light" in caplog.text and "cannot be embedded" in caplog.text


def test_pdf_font_setting_overrides(monkeypatch, settings):
    from mercator.trading import pdf

    chosen = next((c for c in pdf.FONT_CANDIDATES if os.path.isfile(c.split("#")[0])), None)
    if chosen is None:
        pytest.skip("no CJK TrueType font installed")
    monkeypatch.setattr(pdf, "_registered", None)
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())
    settings.MERCATOR_PDF_FONT = chosen
    assert pdf._font() == pdf.EMBEDDED_FONT
