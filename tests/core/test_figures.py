"""One formatter per kind of figure: separators, currency, unit, places."""

from decimal import Decimal

from django.template import Context, Template

from mercator.core import figures


def test_money_has_symbol_separators_and_the_currency_places():
    assert figures.money(Decimal("5149.2")) == "¥5,149.20"
    assert figures.money(Decimal("1234567.005")) == "¥1,234,567.01"
    assert figures.money(Decimal("-12.5"), "USD") == "-$12.50"
    assert figures.money(Decimal("1500"), "JPY") == "JP¥1,500"
    assert figures.money(None) == "—"
    assert figures.money("garbage") == "—"


def test_amount_for_texts_that_name_the_currency_has_no_symbol():
    assert figures.amount(Decimal("231714")) == "231,714.00"
    assert figures.amount("5149.205", "CNY") == "5,149.21"
    assert figures.amount(Decimal("1234.5"), "JPY") == "1,235"
    assert figures.amount(None) == "—"


def test_unit_price_keeps_four_places_only_where_the_price_has_them():
    assert figures.unit_price(Decimal("5149.2000"), "CNY", "吨") == "¥5,149.20/吨"
    assert figures.unit_price(Decimal("3.1250"), "CNY", "kg") == "¥3.125/kg"
    assert figures.unit_price(Decimal("3.12345")) == "¥3.1235"


def test_quantity_drops_trailing_zeros_and_groups():
    assert figures.quantity(Decimal("1200.5000"), "吨") == "1,200.5 吨"
    assert figures.quantity(Decimal("5000.0000")) == "5,000"
    assert figures.grouped(Decimal("1E+3")) == "1,000"


def test_template_filters():
    out = Template(
        "{% load figures %}{{ a|money:'CNY' }} {% price_per p 'CNY' '吨' %} {{ q|qty:'吨' }}"
        " {{ r|percent }}"
    ).render(
        Context(
            {"a": Decimal("5149.2"), "p": Decimal("5149.2"), "q": Decimal("12"), "r": Decimal("8")}
        )
    )
    assert out == "¥5,149.20 ¥5,149.20/吨 12 吨 8.00%"
