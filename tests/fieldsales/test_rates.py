"""The four rates equal hand-computed figures on the fixed world of rates_world.py (read
its docstring: every number below is worked out from it)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mercator.core.errors import NotFound
from mercator.core.reports import DateRange
from mercator.fieldsales.selectors.rates import (
    PG_SETTINGS,
    REPORT_QUERIES,
    Figure,
    months_of,
    rates_drill,
    rates_report,
    rates_summary,
)
from tests.conftest import master_of
from tests.fieldsales.rates_world import APRIL, MARCH, RatesWorld


def fig(n: object, d: object) -> Figure:
    return Figure(Decimal(str(n)), Decimal(str(d)))


def by_label(rows: list) -> dict:
    return {row.label: row.rates for row in rows}


def test_march_market_figures(rates_world: RatesWorld) -> None:
    report = rates_report(rates_world.operator, MARCH)
    total = report.total
    # Covered by 31 Mar: T1 (10 Feb), T2 (10 Mar), T4 (15 Jan), T6 (3 Mar) of six.
    assert total.coverage == fig(4, 6)
    # Of those, paid by 31 Mar: T1, T2 (its settled, partly refunded order), T4.
    assert total.conversion == fig(3, 4)
    # Of the three paying, bought again in March: T1 only (T2's second order was
    # cancelled, T4 bought in February).
    assert total.repurchase == fig(1, 3)
    # Spend on sugar: T1 1,000 + 500; T2 1,700 × 1,500/2,000 = 1,275 (packaging and the
    # cancelled 800 left out); T4 0. Need (10,000 + 20,000 + 5,000) × 1 month.
    assert total.spend == fig("2775.00", "35000.00")
    # Seats: c1 two members, c2 one, c4 none in March, of 4 + 10 + 2 expected.
    assert total.seats == fig(3, 16)
    assert total.coverage.rate == Decimal("0.6667")
    assert [row.label for row in report.markets] == ["广西食品厂"]
    assert report.markets[0].rates.coverage == fig(4, 6)


def test_march_per_rep_credits_the_holder_when_the_step_happened(
    rates_world: RatesWorld,
) -> None:
    reps = by_label(rates_report(rates_world.operator, MARCH).reps)
    a, b, c = reps["甲"], reps["乙"], reps["丙"]
    # T1 was opened under A, then reassigned to B, who converted it: coverage is A's,
    # conversion and repurchase B's.
    assert a.coverage == fig(2, 3)  # T1, T2 opened; T3 (held at the end) not
    assert b.coverage == fig(1, 2)  # T4 opened; T5 (opened in April) not
    assert c.coverage == fig(1, 1)
    assert a.conversion == fig(1, 1)  # T2
    assert b.conversion == fig(2, 2)  # T1 (paid 5 Mar under B), T4
    assert c.conversion == fig(0, 1)
    assert a.repurchase == fig(0, 1)  # T2 did not rebuy: his charge at the end
    assert b.repurchase == fig(1, 2)  # T1 rebought, T4 did not
    assert c.repurchase == fig(0, 0) and c.repurchase.rate is None
    assert a.spend == fig("1275.00", "20000.00") and a.seats == fig(1, 10)
    assert b.spend == fig("1500.00", "15000.00") and b.seats == fig(2, 6)
    # The reps' figures add up to the market's.
    assert a.coverage + b.coverage + c.coverage == fig(4, 6)


def test_a_month_with_no_orders(rates_world: RatesWorld) -> None:
    total = rates_report(rates_world.operator, APRIL).total
    assert total.coverage == fig(5, 6)  # T5 opened 10 April
    assert total.conversion == fig(3, 5)
    assert total.repurchase == fig(0, 3)
    assert total.spend == fig("0.00", "35000.00")  # April: 30 of 30 days = 1 month
    assert total.seats == fig(0, 16)


def test_months_are_prorated_by_days() -> None:
    assert months_of(MARCH) == 1
    assert months_of(DateRange(date(2026, 4, 16), date(2026, 4, 30))) == Decimal("0.5")
    half = months_of(DateRange(date(2026, 2, 15), date(2026, 3, 31)))
    assert half == Decimal(14) / 28 + 1


def test_a_half_month_prorates_the_need(rates_world: RatesWorld) -> None:
    span = DateRange(date(2026, 3, 16), date(2026, 3, 31))  # 16 of 31 days
    total = rates_report(rates_world.operator, span).total
    need = (Decimal(35000) * Decimal(16) / Decimal(31)).quantize(Decimal("0.01"))
    assert total.spend == fig("500.00", need)  # T1's second order only


def test_visibility(rates_world: RatesWorld) -> None:
    w = rates_world
    manager = rates_report(w.actor_of(w.manager), MARCH)
    assert sorted(by_label(manager.reps)) == ["乙", "甲"]
    assert manager.total.coverage == fig(3, 5)
    assert manager.total.conversion == fig(3, 3)
    own = rates_report(w.actor_of(w.a), MARCH)
    assert list(by_label(own.reps)) == ["甲"]
    assert own.total.coverage == fig(2, 3)
    other = rates_report(w.actor_of(w.c), MARCH)
    assert list(by_label(other.reps)) == ["丙"]
    assert other.total.coverage == fig(1, 1)
    with pytest.raises(NotFound):
        rates_report(w.actor_of(w.outsider), MARCH)
    # Another company's boss manages a (here empty) field team: he sees no one's credits.
    stranger = rates_report(w.actor_of(master_of(w.mill)), MARCH)
    assert stranger.reps == [] and stranger.total.coverage == fig(0, 0)
    with pytest.raises(NotFound):  # another partner's rep
        rates_report(w.actor_of(w.a), MARCH, rep=w.c.public_id)
    with pytest.raises(NotFound):
        rates_report(w.operator, MARCH, market="not-an-id")


def test_filter_by_rep(rates_world: RatesWorld) -> None:
    w = rates_world
    report = rates_report(w.operator, MARCH, rep=w.b.public_id)
    assert report.total.conversion == fig(2, 2)
    assert list(by_label(report.reps)) == ["乙"]


def test_drill_down_lists_the_companies_behind_each_figure(rates_world: RatesWorld) -> None:
    w = rates_world
    cov = rates_drill(w.operator, MARCH, "coverage")
    assert cov.count == 6
    assert {r.target.name for r in cov.rows if r.hit} == {"饭店一", "饭店二", "饭店四", "饭店六"}
    conv = rates_drill(w.operator, MARCH, "conversion", hit=True)
    assert {(r.target.name, r.rep.name) for r in conv.rows} == {
        ("饭店一", "乙"),
        ("饭店二", "甲"),
        ("饭店四", "乙"),
    }
    rep = rates_drill(w.operator, MARCH, "repurchase", hit=False)
    assert {r.target.name for r in rep.rows} == {"饭店二", "饭店四"}
    pen = rates_drill(w.operator, MARCH, "penetration")
    spend = {r.target.name: (r.spend, r.need, r.seats) for r in pen.rows}
    assert spend == {
        "饭店一": (Decimal("1500.00"), Decimal("10000.00"), 2),
        "饭店二": (Decimal("1275.00"), Decimal("20000.00"), 1),
        "饭店四": (Decimal("0.00"), Decimal("5000.00"), 0),
    }
    mine = rates_drill(w.actor_of(w.a), MARCH, "coverage")
    assert {r.target.name for r in mine.rows} == {"饭店一", "饭店二", "饭店三"}
    with pytest.raises(NotFound):
        rates_drill(w.operator, MARCH, "happiness")


def test_summary_compares_with_the_previous_period(rates_world: RatesWorld) -> None:
    summary = rates_summary(rates_world.operator, APRIL)
    assert summary.now.coverage == fig(5, 6)
    assert summary.before.coverage == fig(4, 6)  # 2-31 March: the same 30 days before


def test_the_report_is_a_fixed_number_of_queries(rates_world: RatesWorld) -> None:
    with CaptureQueriesContext(connection) as queries:
        rates_report(rates_world.operator, MARCH)
    # On PostgreSQL the facts statement runs in a savepoint after PG_SETTINGS (no JIT):
    # bookkeeping, not reads.
    sql = [q["sql"] for q in queries]
    bookkeeping = [q for q in sql if q.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    settings = [q for q in sql if q == PG_SETTINGS]
    assert len(settings) == (1 if connection.vendor == "postgresql" else 0)
    assert len(bookkeeping) == (2 if connection.vendor == "postgresql" else 0)
    assert len(sql) - len(bookkeeping) - len(settings) == REPORT_QUERIES
