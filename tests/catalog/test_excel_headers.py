"""A workbook exported in one language imports with the page in the other."""

from django.utils import translation

from mercator.catalog.excel import _header_columns


def test_chinese_headers_accepted_in_english():
    with translation.override("en"):
        columns = _header_columns(("类目代码", "品名", "计量单位", "SKU 编码"))
    assert set(columns) == {"category", "name", "unit", "sku_code"}


def test_english_headers_accepted_in_chinese():
    with translation.override("zh-hans"):
        columns = _header_columns(("Category code", "name", "unit", "sku_code"))
    assert set(columns) == {"category", "name", "unit", "sku_code"}
