"""Checks that keep a hostile .xlsx from reaching openpyxl (used by ``catalog.excel``).

A workbook is a zip, and a 400 KB one can hold 400 MB of XML. ``archive_check`` judges a
file by its zip directory alone, with nothing decompressed, so the upload request can
afford it: file size, number of parts, each part's and the total size once decompressed,
compression ratio. ``scan_part`` then streams one XML part (the shared strings, the first
sheet) through expat a chunk at a time and stops at the first row, column or cell past
the limits, before openpyxl reads it: openpyxl pads a sheet's missing rows and cells up
to its claimed size and keeps every shared string in memory. Limits come from
``settings.CATALOG_IMPORT``; every refusal is a coded 422 naming the file.
"""

import io
import re
import zipfile
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mercator.core.errors import ValidationFailed

READ_CHUNK = 64 * 1024
# Members smaller than this are not judged by their compression ratio (nothing to gain).
RATIO_FLOOR = 1024 * 1024
# Parts openpyxl parses whole (workbook, styles, theme, relationships) are small in any
# real workbook; only the sheet and the shared strings may be large.
SMALL_PART_BYTES = 5 * 1024 * 1024


def limits() -> dict[str, int]:
    return settings.CATALOG_IMPORT


def max_file_bytes() -> int:
    return limits()["MAX_FILE_BYTES"]


def _refuse(code: str, message: Any, **details: Any) -> ValidationFailed:
    return ValidationFailed(message, code=code, details={"field": "file", **details})


def malformed() -> ValidationFailed:
    return _refuse("malformed_workbook", _("无法读取文件：请上传 Excel .xlsx 文件。"))


def _mb(n: int) -> int:
    return max(1, n // (1024 * 1024))


def file_too_large() -> ValidationFailed:
    return _refuse(
        "file_too_large",
        _("文件太大（最大 %(mb)d MB）。") % {"mb": _mb(limits()["MAX_FILE_BYTES"])},
    )


def archive_check(content: bytes) -> None:
    """Refuse a file by what its zip directory says, before anything is decompressed:
    its size, the number of members, each member's and the total uncompressed size, and
    the compression ratio. Cheap enough for the upload request (422 with a code)."""
    lim = limits()
    if len(content) > lim["MAX_FILE_BYTES"]:
        raise file_too_large()
    buffer = io.BytesIO(content)
    try:
        # The member count from the end record, before ZipFile reads every entry.
        end = zipfile._EndRecData(buffer)  # type: ignore[attr-defined]
        if end is None:
            raise malformed()
        if end[zipfile._ECD_ENTRIES_TOTAL] > lim["MAX_MEMBERS"]:  # type: ignore[attr-defined]
            raise _too_many_members(lim)
        with zipfile.ZipFile(buffer) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise malformed() from None
    if len(members) > lim["MAX_MEMBERS"]:
        raise _too_many_members(lim)
    total = 0
    for member in members:
        size = member.file_size
        part = member.filename.lower()
        if size > lim["MAX_MEMBER_BYTES"] or (
            size > SMALL_PART_BYTES and _parsed_whole(part) and not part.startswith("xl/media/")
        ):
            raise _too_large(lim)
        if size > RATIO_FLOOR and size > lim["MAX_RATIO"] * max(member.compress_size, 1):
            raise _refuse(
                "compression_ratio",
                _("文件的压缩比异常（超过 %(max)d 倍），像是压缩炸弹，已拒绝。")
                % {"max": lim["MAX_RATIO"]},
                member=member.filename[:100],
            )
        total += size
    if total > lim["MAX_UNCOMPRESSED_BYTES"]:
        raise _too_large(lim)


def _parsed_whole(part: str) -> bool:
    """Parts openpyxl parses in one piece (all XML but the sheets and shared strings)."""
    return part.endswith((".xml", ".rels")) and not (
        part.startswith("xl/worksheets/") or part.endswith("sharedstrings.xml")
    )


def _too_many_members(lim: dict[str, int]) -> ValidationFailed:
    return _refuse(
        "too_many_members",
        _("文件结构异常：部件太多（最多 %(max)d 个），不像普通的 Excel 文件。")
        % {"max": lim["MAX_MEMBERS"]},
    )


def _too_large(lim: dict[str, int]) -> ValidationFailed:
    return _refuse(
        "uncompressed_too_large",
        _("文件解压后太大（最多 %(mb)d MB）；请分成几个文件导入。")
        % {"mb": _mb(lim["MAX_UNCOMPRESSED_BYTES"])},
    )


def too_many_rows(lim: dict[str, int]) -> ValidationFailed:
    return _refuse(
        "too_many_rows",
        _("行数太多（最多 %(max)d 行）；请分成几个文件导入。") % {"max": lim["MAX_ROWS"]},
    )


_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


class _Scan:
    """Stream one XML part through expat, never holding more than a chunk: count rows,
    read each row's and cell's position and the sheet's dimension, and measure each cell's
    (or shared string's) text, refusing as soon as a limit is passed. A DTD is refused
    outright (no workbook needs one; it is how entity bombs start). With ``cells_only``,
    only the cells' length is judged (for parts other than the sheet being imported)."""

    TEXT = frozenset({"t", "v", "f"})

    def __init__(self, lim: dict[str, int], *, cells_only: bool = False) -> None:
        self.lim = lim
        self.shape = not cells_only
        self.max_row = lim["MAX_ROWS"] + 1  # the header is row 1
        self.rows = 0
        self.row_number = 0
        self.cells_in_row = 0
        self.cell_chars = 0
        self.in_text = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        if local in self.TEXT:
            self.in_text += 1
        elif local == "si":
            self.cell_chars = 0
        elif local == "c":
            self.cell_chars = 0
            if not self.shape:
                return
            self.cells_in_row += 1
            column = self.cells_in_row
            match = _CELL_REF.match(attrs.get("r", ""))
            if match:
                column = _column_number(match.group(1))
                self.cells_in_row = column
            if column > self.lim["MAX_COLUMNS"]:
                raise self._too_many_columns()
        elif local == "row":
            self.rows += 1
            self.cells_in_row = 0
            r = attrs.get("r", "")
            self.row_number = int(r) if r.isdigit() else self.row_number + 1
            if self.shape and (self.row_number > self.max_row or self.rows > self.max_row):
                raise too_many_rows(self.lim)
        elif local == "dimension" and self.shape:
            last = (attrs.get("ref", "") or "").rpartition(":")[2]
            match = _CELL_REF.match(last)
            if match:
                if int(match.group(2)) > self.max_row:
                    raise too_many_rows(self.lim)
                if _column_number(match.group(1)) > self.lim["MAX_COLUMNS"]:
                    raise self._too_many_columns()

    def end(self, name: str) -> None:
        if name.rpartition(" ")[2] in self.TEXT:
            self.in_text -= 1

    def text(self, data: str) -> None:
        if self.in_text:
            self.cell_chars += len(data)
            if self.cell_chars > self.lim["MAX_CELL_CHARS"]:
                raise _refuse(
                    "cell_too_long",
                    _("有单元格内容太长（最多 %(max)d 个字符）。")
                    % {"max": self.lim["MAX_CELL_CHARS"]},
                    row=self.row_number or None,
                )

    def _too_many_columns(self) -> ValidationFailed:
        return _refuse(
            "too_many_columns",
            _("列数太多（最多 %(max)d 列）。") % {"max": self.lim["MAX_COLUMNS"]},
            row=self.row_number or None,
        )


def _refuse_dtd(*_args: Any) -> None:
    raise malformed()


def scan_part(
    archive: zipfile.ZipFile, part: str, lim: dict[str, int], *, cells_only: bool = False
) -> None:
    scan = _Scan(lim, cells_only=cells_only)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    read = 0
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(READ_CHUNK):
                read += len(chunk)
                if read > lim["MAX_MEMBER_BYTES"]:  # a directory that lied about sizes
                    raise _too_large(lim)
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, EOFError, OSError, ValueError):
        raise malformed() from None


def scan_cells(archive: zipfile.ZipFile, lim: dict[str, int]) -> None:
    """Judge the cell length of every part that may hold cells and is more than small:
    the shared strings (whatever they are called: a workbook's relationships may point
    anywhere) and any large XML part. Before openpyxl loads the shared strings whole."""
    for member in archive.infolist():
        name = member.filename.lower()
        if name.endswith(".xml") and (
            name.endswith("sharedstrings.xml") or member.file_size > RATIO_FLOOR
        ):
            scan_part(archive, member.filename, lim, cells_only=True)
