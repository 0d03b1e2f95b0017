"""Hostile workbooks: decompression bombs, sizes that lie, sheets that claim a million
rows or columns, overlong cells, thousands of errors. Each is refused with a code (at
upload when the zip's directory gives it away, else in the job), quickly, without the
memory growing and without writing a row. The web request never parses a workbook."""

import io
import random
import string
import struct
import time
import tracemalloc
import zipfile
import zlib

import pytest
from openpyxl import Workbook

from mercator.catalog import excel, workbook_guard
from mercator.catalog.models import ImportJob, Listing, Product, Sku
from tests.catalog.test_excel import HEADER, good_row, upload, workbook
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
BOMB_MB = 400  # as in the report: a 414 KB file holding one 400 MB cell


def rewrite(content: bytes, part: str, chunks, *, level: int = 9) -> bytes:
    """A copy of a workbook with one part replaced by ``chunks`` (streamed, so a 400 MB
    part is never in memory while the test builds it)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as dst,
    ):
        for member in src.infolist():
            if member.filename != part:
                dst.writestr(member.filename, src.read(member.filename))
        with dst.open(part, "w", force_zip64=True) as stream:
            for chunk in chunks:
                stream.write(chunk)
    return out.getvalue()


def deflated_repeats(head: bytes, block: bytes, times: int, tail: bytes) -> tuple[bytes, int]:
    """Raw deflate of ``head + block * times + tail`` and its CRC-32, built without ever
    compressing the whole: after a full flush the compressor forgets its history, so each
    repeat of ``block`` compresses to the same bytes. Fast, and small in memory."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = co.compress(head + block) + co.flush(zlib.Z_FULL_FLUSH)
    again = co.compress(block) + co.flush(zlib.Z_FULL_FLUSH)
    assert co.compress(block) + co.flush(zlib.Z_FULL_FLUSH) == again
    data = first + again * (times - 1) + co.compress(tail) + co.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    return data, zlib.crc32(tail, crc)


def zip_of(parts: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip from (name, raw deflate data, CRC-32, uncompressed size), written by hand so
    the test can hold a 400 MB member it never has in memory."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, crc, size in parts:
        offset = out.tell()
        encoded = name.encode()
        fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, len(data), size)
        out.write(b"PK\x03\x04" + fields + struct.pack("<HH", len(encoded), 0) + encoded)
        out.write(data)
        central.write(
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + fields
            + struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, offset)
            + encoded
        )
    start, directory = out.tell(), central.getvalue()
    out.write(directory)
    out.write(
        b"PK\x05\x06"
        + struct.pack("<HHHHIIH", 0, 0, len(parts), len(parts), len(directory), start, 0)
    )
    return out.getvalue()


SS_REL = (
    b'<Relationship Id="rIdStrings" Target="%s" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/sharedStrings" />'
)
SS_TYPE = (
    b'<Override PartName="/xl/%s" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" />'
)
SST_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    b' count="1" uniqueCount="1"><si><t>'
)
SST_TAIL = b"</t></si></sst>"


def deflated(raw: bytes) -> bytes:
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    return co.compress(raw) + co.flush()


def with_shared_string(
    content: bytes, data: bytes, crc: int, size: int, *, part: str = "sharedStrings.xml"
) -> bytes:
    """A copy of a one-row workbook whose cell B2 (品名) is shared string 0, kept in
    ``xl/<part>`` as the given deflate ``data``: wired in as Excel does it (relationship,
    content type, the cell pointing at the string)."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(content)) as src:
        for member in src.infolist():
            raw = src.read(member.filename)
            if member.filename == "xl/_rels/workbook.xml.rels":
                raw = raw.replace(b"</Relationships>", SS_REL % part.encode() + b"</Relationships>")
            elif member.filename == "[Content_Types].xml":
                raw = raw.replace(b"</Types>", SS_TYPE % part.encode() + b"</Types>")
            elif member.filename == "xl/worksheets/sheet1.xml":
                cell = b'<c r="B2" t="inlineStr"><is><t>x</t></is></c>'
                assert cell in raw
                raw = raw.replace(cell, b'<c r="B2" t="s"><v>0</v></c>')
            parts.append((member.filename, deflated(raw), zlib.crc32(raw), len(raw)))
    parts.append((f"xl/{part}", data, crc, size))
    return zip_of(parts)


def with_huge_shared_string(content: bytes, megabytes: int) -> bytes:
    """The workbook's 品名 cell made one string of ``megabytes`` MB of 'A'."""
    data, crc = deflated_repeats(SST_HEAD, b"A" * MB, megabytes, SST_TAIL)
    return with_shared_string(content, data, crc, len(SST_HEAD) + megabytes * MB + len(SST_TAIL))


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A real .xlsx whose one shared string (the cell B2) is 400 MB of 'A'."""
    return with_huge_shared_string(workbook([good_row(1, name="x")]), BOMB_MB)


@pytest.fixture
def seller_api(seller):
    return bearer_client(master_of(seller))


def measured(fn):
    """(result, peak bytes allocated by Python, seconds) of ``fn()``."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = fn()
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak, time.perf_counter() - started


def nothing_written() -> bool:
    return Product.objects.count() == Sku.objects.count() == Listing.objects.count() == 0


def run_job(seller, content: bytes) -> tuple[ImportJob, int, float]:
    """The worker's half on a stored file (as if the upload had let it through)."""
    job = ImportJob.objects.create(
        company=seller, created_by=master_of(seller).person, content=content, language="zh-hans"
    )
    _none, peak, seconds = measured(lambda: excel.catalog_import_run(job_id=job.pk))
    job.refresh_from_db()
    return job, peak, seconds


def test_the_bomb_is_small_on_disk_and_huge_inside(bomb):
    assert len(bomb) < 1 * MB
    declared = sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(bomb)).infolist())
    assert declared > BOMB_MB * MB


def test_the_bomb_string_is_the_cell(world, settings):
    """The same construction, 3 MB and with the limits lifted, reads back as cell B2."""
    settings.CATALOG_IMPORT = {
        **settings.CATALOG_IMPORT,
        "MAX_CELL_CHARS": 4 * MB,
        "MAX_RATIO": 10**6,
    }
    rows = excel.read_rows(with_huge_shared_string(workbook([good_row(1, name="x")]), 3))
    assert rows[0].values["name"] == "A" * (3 * MB)


def test_bomb_refused_at_upload_without_decompressing(world, seller_api, bomb):
    # Warm up (the first request imports half the project), then measure.
    assert upload(seller_api, b"not a zip").status_code == 422
    r, peak, _seconds = measured(lambda: upload(seller_api, bomb))
    assert r.status_code == 422
    assert r.json()["code"] == "uncompressed_too_large"
    assert r.json()["details"]["field"] == "file"
    # Refused from the zip's directory: nothing is decompressed (a web worker spent two
    # minutes and 3.3 GB on this file before); timings are measured in bench/, not here.
    assert peak < 8 * MB, peak
    assert ImportJob.objects.count() == 0 and nothing_written()


def test_bomb_refused_by_the_worker_too(world, seller, bomb):
    job, peak, _seconds = run_job(seller, bomb)
    assert job.status == "failed"
    assert [e["code"] for e in job.errors] == ["uncompressed_too_large"]
    assert job.error_count == 1 and job.content == b""
    assert len(str(job.errors)) < 500  # no cell content stored
    assert peak < 30 * MB, peak
    assert nothing_written()


def test_bomb_past_relaxed_size_limits_stops_at_the_cell_limit(world, seller, bomb, settings):
    """Were the size limits raised (an operator's choice), the worker's streaming scan
    still stops the 400 MB string after its first 2,000 characters, in constant memory."""
    settings.CATALOG_IMPORT = {
        **settings.CATALOG_IMPORT,
        "MAX_UNCOMPRESSED_BYTES": 2**31,
        "MAX_MEMBER_BYTES": 2**31,
        "MAX_RATIO": 10**6,
    }
    workbook_guard.archive_check(bomb)  # let through by the directory now
    job, peak, _seconds = run_job(seller, bomb)
    assert job.status == "failed" and [e["code"] for e in job.errors] == ["cell_too_long"]
    assert peak < 30 * MB, peak
    assert nothing_written()


def test_compression_ratio_bomb_refused(world, seller_api):
    # 20 MB: under every size limit, but a thousand times compressed.
    content = with_huge_shared_string(workbook([good_row(1, name="x")]), 20)
    r = upload(seller_api, content)
    assert r.status_code == 422 and r.json()["code"] == "compression_ratio"
    assert ImportJob.objects.count() == 0


def lie_about_size(content: bytes, part: str, size: int) -> bytes:
    """The zip's central directory claims ``size`` bytes for ``part``."""
    data = bytearray(content)
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
        (name_len,) = struct.unpack("<H", data[pos + 28 : pos + 30])
        if bytes(data[pos + 46 : pos + 46 + name_len]) == part.encode():
            data[pos + 24 : pos + 28] = struct.pack("<I", size)
            return bytes(data)
        pos += 4
    raise AssertionError(part)


def test_too_many_parts_and_an_oversized_styles_part_refused_at_upload(world, seller_api):
    many = rewrite(workbook([good_row(1)]), "xl/extra/0.xml", [b"<x/>"])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(many)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for member in src.infolist():
            dst.writestr(member.filename, src.read(member.filename))
        for i in range(1, 101):
            dst.writestr(f"xl/extra/{i}.xml", b"<x/>")
    r = upload(seller_api, out.getvalue())
    assert r.status_code == 422 and r.json()["code"] == "too_many_members"
    # styles.xml is parsed whole by openpyxl: 6 MB of it is refused (sheets may be larger).
    noise = "".join(random.Random(3).choices(string.ascii_letters, k=6 * MB)).encode()
    styles = rewrite(
        workbook([good_row(1)]), "xl/styles.xml", [b"<styleSheet><!--", noise, b"--></styleSheet>"]
    )
    r = upload(seller_api, styles)
    assert r.status_code == 422 and r.json()["code"] == "uncompressed_too_large"
    assert ImportJob.objects.count() == 0


def test_sizes_that_lie_are_caught_while_streaming(world, seller):
    """A directory that claims 1,000 bytes for 50 MB: the zip reader stops at the claim
    and the checksum fails; the worker reports a malformed file, having read 1,000 bytes."""
    content = lie_about_size(
        with_huge_shared_string(workbook([good_row(1, name="x")]), 50),
        "xl/sharedStrings.xml",
        1000,
    )
    workbook_guard.archive_check(content)  # the directory looks harmless
    job, peak, _seconds = run_job(seller, content)
    assert job.status == "failed" and job.errors[0]["code"] == "malformed_workbook"
    assert peak < 30 * MB, peak
    assert nothing_written()


def test_a_sheet_claiming_a_million_rows_is_refused_before_openpyxl_pads_it(world, seller):
    """openpyxl fills the gap up to a far row with empty rows: one cell at row 1,000,000
    would become a million rows in memory."""
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(good_row(1))
    ws.cell(row=1_000_000, column=1, value="white-sugar")
    out = io.BytesIO()
    wb.save(out)
    job, peak, _seconds = run_job(seller, out.getvalue())
    assert job.status == "failed" and job.errors[0]["code"] == "too_many_rows"
    assert peak < 30 * MB, peak
    assert nothing_written()


def test_a_far_column_is_refused(world, seller):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(good_row(1))
    ws.cell(row=2, column=16_000, value="x")
    out = io.BytesIO()
    wb.save(out)
    job, _peak, _seconds = run_job(seller, out.getvalue())
    assert job.status == "failed" and job.errors[0]["code"] == "too_many_columns"
    assert nothing_written()


def test_row_count_limit(world, seller, settings):
    settings.CATALOG_IMPORT = {**settings.CATALOG_IMPORT, "MAX_ROWS": 50}
    job, _peak, _seconds = run_job(seller, workbook([good_row(i) for i in range(51)]))
    assert job.status == "failed" and job.errors[0]["code"] == "too_many_rows"
    assert "50" in job.errors[0]["message"]
    assert nothing_written()
    job, _peak, _seconds = run_job(seller, workbook([good_row(i) for i in range(50)]))
    assert job.status == "done", job.errors


@pytest.mark.parametrize("write_only", [False, True], ids=["shared-string", "inline-string"])
def test_cell_length_limit(world, seller, write_only):
    limit = workbook_guard.limits()["MAX_CELL_CHARS"]
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet() if write_only else wb.active
    ws.append(HEADER)
    ws.append(good_row(1))
    ws.append(good_row(2, spec="长" * (limit + 1)))
    out = io.BytesIO()
    wb.save(out)
    job, _peak, _seconds = run_job(seller, out.getvalue())
    assert job.status == "failed" and job.errors[0]["code"] == "cell_too_long"
    if write_only:  # a cell in the sheet itself: its row is named
        assert job.errors[0]["row"] == 3
    assert nothing_written()
    ok = workbook([good_row(1, spec="长" * limit)])
    job, _peak, _seconds = run_job(seller, ok)
    assert job.status == "done", job.errors


def test_shared_strings_under_another_name_are_measured_too(world, seller):
    """The workbook's relationships may put the shared strings anywhere (here among the
    sheets, where large parts are allowed): a long cell there is still refused before
    openpyxl loads them. (Random text, so no ratio check stops it first.)"""
    text = "".join(random.Random(9).choices(string.ascii_letters, k=2 * MB)).encode()
    raw = SST_HEAD + text + SST_TAIL
    content = with_shared_string(
        workbook([good_row(1, name="x")]),
        deflated(raw),
        zlib.crc32(raw),
        len(raw),
        part="worksheets/strings.xml",
    )
    workbook_guard.archive_check(content)
    job, peak, _seconds = run_job(seller, content)
    assert job.status == "failed" and job.errors[0]["code"] == "cell_too_long"
    assert peak < 30 * MB, peak
    assert nothing_written()


def test_stored_errors_are_capped_and_counted(world, seller, settings):
    settings.CATALOG_IMPORT = {**settings.CATALOG_IMPORT, "MAX_ERRORS": 5}
    rows = [good_row(i, unit="桶" * 500, category="x" * 1500) for i in range(20)]
    job, _peak, _seconds = run_job(seller, workbook(rows))
    assert job.status == "failed"
    assert len(job.errors) == 5 and job.error_count == 40
    # Messages quote a cell only in part.
    assert all(len(e["message"]) < 200 for e in job.errors)
    client = bearer_client(master_of(seller))
    body = client.get(f"/api/v1/catalog/imports/{job.public_id}").json()
    assert body["error_count"] == 40 and len(body["errors"]) == 5
    web = client_for(seller)
    page = web.get(f"/catalog/import/{job.public_id}/").content.decode()
    assert "发现 40 处错误" in page and 'data-testid="errors-truncated"' in page


def client_for(seller):
    from django.test import Client

    client = Client()
    assert client.login(username=master_of(seller).person.email, password=PASSWORD)
    return client


def garbage_inside() -> bytes:
    """A zip with a harmless directory whose workbook part is not XML."""
    return rewrite(workbook([good_row(1)]), "xl/workbook.xml", [b"<workbook><not-closed"])


def test_the_upload_request_does_not_parse(world, seller, seller_api, huey_queue):
    """Both the API and the page answer at once with a pending job for a file that only
    parsing would find broken; the worker then finds it."""
    r = upload(seller_api, garbage_inside())
    assert r.status_code == 201, r.content
    job = r.json()
    assert job["status"] == "pending" and job["total"] == 0 and job["errors"] == []
    page = client_for(seller).post(
        "/catalog/import/", {"file": named(garbage_inside()), "dry_run": ""}
    )
    assert page.status_code == 302
    assert ImportJob.objects.filter(status="pending").count() == 2
    for stored in ImportJob.objects.all():
        assert stored.content  # kept for the worker
        excel.catalog_import_run(job_id=stored.pk)
        stored.refresh_from_db()
        assert stored.status == "failed"
        assert stored.errors[0]["code"] == "malformed_workbook"
    assert nothing_written()


def named(content: bytes) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = "c.xlsx"
    return f


def test_job_errors_in_the_uploaders_language(world, seller, huey_queue):
    client = bearer_client(master_of(seller), HTTP_ACCEPT_LANGUAGE="en")
    r = upload(client, workbook([good_row(1, unit="barrel")]))
    assert r.status_code == 201
    job = ImportJob.objects.get()
    assert job.language == "en"
    excel.catalog_import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.errors[0]["code"] == "unknown_unit"
    assert "Unknown" in job.errors[0]["message"] or "unit" in job.errors[0]["message"].lower()
    refused = upload(client, b"x" * (workbook_guard.max_file_bytes() + 1))
    assert refused.status_code == 422 and "MB" in refused.json()["message"]
    assert "文件" not in refused.json()["message"]
