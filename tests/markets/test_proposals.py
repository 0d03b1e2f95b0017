"""Proposals from real deals (聚, issue 12): detection on controlled ``Deal`` rows, reruns
that write nothing new, refresh, dismissal, who may see and act, and bad input."""

from datetime import timedelta
from decimal import Decimal

import pytest

from mercator.core.actor import Actor
from mercator.core.errors import InvalidTransition, NotFound
from mercator.core.models import AuditEntry
from mercator.markets.models import Proposal
from mercator.markets.selectors.proposals import proposal_get, proposals_visible_to
from mercator.markets.services.proposals import (
    price_levels,
    price_step,
    proposal_dismiss,
    proposals_detect,
    proposals_generate,
    proposals_run,
)
from mercator.trading.models import Deal
from tests.factories import UserFactory
from tests.markets.proposals_helpers import TODAY, buyers, deal
from tests.trading.conftest import world  # noqa: F401

pytestmark = pytest.mark.django_db


def operator() -> Actor:
    return Actor(person=UserFactory(is_staff=True), via="api")


def essay(world) -> None:  # noqa: F811
    """The essay's month: 5,000 t at 5,000, 3,000 t at 5,100, 2,000 t at 5,200, to three
    buyers in three provinces (no group buy: one buyer per province)."""
    a, b, c = buyers(1, "广西")[0], buyers(1, "广东")[0], buyers(1, "湖南")[0]
    deal(world, a, "3000", "5000", region="广西")
    deal(world, a, "2000", "5000", region="广西", on=TODAY - timedelta(days=20))
    deal(world, b, "3000", "5100", region="广东")
    deal(world, c, "2000", "5200", region="湖南")


# ------------------------------------------------------------------------- detection


def test_the_essays_price_levels_propose_an_auction_of_the_bottom_lot(world):  # noqa: F811
    essay(world)
    (found,) = proposals_detect(today=TODAY)
    assert found.kind == Proposal.Kind.AUCTION and found.seller_id == world.mill.pk
    f = found.figures
    assert [(lv["price"], lv["quantity"], lv["deals"]) for lv in f["levels"]] == [
        ("5000", "5000.0000", 2),
        ("5100", "3000.0000", 1),
        ("5200", "2000.0000", 1),
    ]
    assert f["step"] == "100" and f["vwap"] == "5070.0000"
    assert Decimal(f["lot_quantity"]) == 5000
    assert Decimal(f["start_price"]) == 5000
    assert Decimal(f["reserve_price"]) == 5100 > Decimal(f["bottom_price"])
    assert Decimal(f["min_increment"]) == 10
    # The seller's gain if the lot sells at the reserve: 100 × 5,000 t.
    assert found.gain == Decimal("500000.00") == Decimal(f["gain"])
    assert found.key == f"auction:{world.sku.public_id}:{world.mill.public_id}:2026-11"


def test_one_price_level_or_no_deal_in_the_window_proposes_nothing(world):  # noqa: F811
    (a,) = buyers(1)
    deal(world, a, "100", "5000")
    deal(world, a, "100", "5030")  # rounds to the same level (step 100)
    deal(world, a, "900", "4000", on=TODAY - timedelta(days=95))  # before the window
    assert proposals_detect(today=TODAY) == []


def test_price_step_and_levels():
    assert price_step(Decimal("5070")) == 100
    assert price_step(Decimal("6800")) == 200
    assert price_step(Decimal("3000")) == 50
    assert str(price_step(Decimal("0.5"))) == "0.01"


def test_similar_buyers_in_one_region_propose_a_group_buy(world):  # noqa: F811
    a, b, c = buyers(3)
    # Monthly volumes (90 days = 3 months): 30, 20, 12 t; median 20 → all within ×3.
    for who, qty, price in ((a, "90", "5000"), (b, "60", "5100"), (c, "36", "5200")):
        deal(world, who, qty, price, region="广西")
    found = [p for p in proposals_detect(today=TODAY) if p.kind == Proposal.Kind.GROUP_BUY]
    assert len(found) == 1
    gb = found[0]
    f = gb.figures
    assert gb.region == "广西" and gb.seller_id == world.mill.pk
    assert [(x["name"], x["monthly_quantity"], x["average_price"]) for x in f["buyers"]] == [
        (a.short_name, "30.00", "5000.0000"),
        (b.short_name, "20.00", "5100.0000"),
        (c.short_name, "12.00", "5200.0000"),
    ]
    assert f["pooled_monthly"] == "62"
    # VWAP = (90×5000 + 60×5100 + 36×5200) / 186 = 5070.9677
    assert f["average_price"] == "5070.9677"
    assert f["tiers"] == [
        {"min_quantity": "62", "unit_price": "5020.26", "discount_percent": "1"},
        {"min_quantity": "81", "unit_price": "4969.55", "discount_percent": "2"},
    ]
    # Savings at tier 1: a pays less already; b (79.74 × 20) + c (179.74 × 12).
    assert gb.gain == Decimal("1594.80") + Decimal("2156.88")
    assert gb.key == f"group_buy:{world.sku.public_id}:广西:2026-11"


def test_dissimilar_or_too_few_buyers_propose_no_group_buy(world):  # noqa: F811
    a, b, c = buyers(3)
    # 2 similar buyers and one ten times bigger: only 2 within ×3 of the median.
    deal(world, a, "30", "5000")
    deal(world, b, "30", "5000")
    deal(world, c, "900", "5000")
    assert proposals_detect(today=TODAY) == []


def test_regions_are_separate(world):  # noqa: F811
    gx = buyers(2, "广西")
    gd = buyers(2, "广东")
    for who in gx:
        deal(world, who, "30", "5000", region="广西")
    for who in gd:
        deal(world, who, "30", "5000", region="广东")
    # Four similar buyers, but two per province: no province has three.
    assert [p for p in proposals_detect(today=TODAY) if p.kind == "group_buy"] == []
    deal(world, buyers(1, "湖北")[0], "30", "5000", region="广西")
    found = [p for p in proposals_detect(today=TODAY) if p.kind == "group_buy"]
    assert [p.region for p in found] == ["广西"]


def test_unknown_region_never_becomes_a_group_buy(world):  # noqa: F811
    for who in buyers(3):
        deal(world, who, "30", "5000", region="未知")
    assert proposals_detect(today=TODAY) == []


def test_exact_sums_beyond_float(world):  # noqa: F811
    """Quantities that a float SUM would blur still give exact figures."""
    (a, b) = buyers(2)
    deal(world, a, "0.1", "5000")
    deal(world, a, "0.2", "5000")
    deal(world, b, "0.3", "5200")
    (found,) = proposals_detect(today=TODAY)
    assert found.figures["levels"][0]["quantity"] == "0.3000"
    assert found.figures["lot_quantity"] == "0.3000"


# ------------------------------------------------------------------- writing, reruns


def test_rerun_writes_nothing_new_and_refreshes_new_ones(world):  # noqa: F811
    essay(world)
    first = proposals_generate(today=TODAY)
    assert first["created"] == 1 and first["auction"] == 1
    audits = AuditEntry.objects.count()
    again = proposals_generate(today=TODAY)
    assert again == {**first, "created": 0, "kept": 1}
    assert Proposal.objects.count() == 1 and AuditEntry.objects.count() == audits
    # A new deal at the bottom: the NEW proposal's figures follow.
    deal(world, buyers(1, "广西")[0], "1000", "5000")
    assert proposals_generate(today=TODAY)["refreshed"] == 1
    proposal = Proposal.objects.get()
    assert Decimal(proposal.figures["lot_quantity"]) == 6000
    assert proposal.gain == Decimal("600000.00")
    assert AuditEntry.objects.filter(action="proposal.refresh").count() == 1
    # Next month, another key: a new proposal beside the old one.
    assert proposals_generate(today=TODAY + timedelta(days=1))["created"] == 1
    assert Proposal.objects.count() == 2


def test_dismissed_proposals_are_left_alone(world):  # noqa: F811
    essay(world)
    proposals_generate(today=TODAY)
    proposal = Proposal.objects.get()
    dismissed = proposal_dismiss(actor=world.actor(world.mill_boss), proposal_id=proposal.public_id)
    assert dismissed.status == Proposal.Status.DISMISSED
    assert dismissed.decided_by == world.mill_boss and dismissed.decided_at is not None
    deal(world, buyers(1)[0], "1000", "5000")
    assert proposals_generate(today=TODAY)["kept"] == 1
    proposal.refresh_from_db()
    assert Decimal(proposal.figures["lot_quantity"]) == 5000
    with pytest.raises(InvalidTransition) as exc:
        proposal_dismiss(actor=operator(), proposal_id=proposal.public_id)
    assert exc.value.details == {"status": "dismissed"}


def test_the_operators_run_is_audited_and_needs_an_operator(world):  # noqa: F811
    essay(world)
    with pytest.raises(NotFound):
        proposals_run(actor=world.actor(world.mill_boss))
    counts = proposals_run(actor=operator())
    assert counts["auction"] == 1
    assert AuditEntry.objects.filter(action="proposal.run").count() == 1


# ----------------------------------------------------------------------- permissions


@pytest.fixture
def made(world) -> Proposal:  # noqa: F811
    essay(world)
    proposals_generate(today=TODAY)
    return Proposal.objects.get()


def test_who_sees_a_proposal(world, made):  # noqa: F811
    pid = made.public_id
    assert proposal_get(operator(), pid) == made
    assert proposal_get(world.actor(world.mill_boss), pid) == made
    assert proposal_get(world.actor(world.mill_clerk), pid) == made  # a sales clerk sells
    for member in (world.food_boss, world.food_buyer, world.outsider_clerk):
        with pytest.raises(NotFound):
            proposal_get(world.actor(member), pid)
    with pytest.raises(NotFound):
        proposals_visible_to(world.actor(world.food_buyer))  # buys, never sells
    assert list(proposals_visible_to(world.actor(world.outsider_clerk))) == []
    with pytest.raises(NotFound):
        proposal_dismiss(actor=world.actor(world.outsider_clerk), proposal_id=pid)
    assert Proposal.objects.get().status == Proposal.Status.NEW


@pytest.mark.parametrize("bad", ["", "nope", "00000000-0000-0000-0000-000000000000", None, 7])
def test_bad_ids_are_404(world, made, bad):  # noqa: F811
    with pytest.raises(NotFound):
        proposal_get(operator(), bad)


def test_deals_are_untouched(world, made):  # noqa: F811
    assert Deal.objects.count() == 4
    levels = price_levels([], Decimal(100))
    assert levels == []


def test_the_command_and_the_nightly_task(world, capsys):  # noqa: F811
    from django.core.management import CommandError, call_command

    from mercator.markets.tasks_proposals import generate_proposals

    essay(world)
    call_command("proposals_generate", today=TODAY.isoformat())
    assert "created=1" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("proposals_generate", today="2026-13-40")
    # The nightly task runs on today's window; run twice, the second writes nothing.
    first = generate_proposals.call_local()
    assert set(first) == {"created", "refreshed", "kept", "group_buy", "auction"}
    assert generate_proposals.call_local()["created"] == 0
    assert Proposal.objects.filter(key__endswith=":2026-11").count() == 1
