"""The activity describer: a sentence for every action code the services write (found by
grepping the code base), no raw codes or ``kind:<uuid>`` references, links scoped to the
reader, a generic translated sentence for a code added later."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from mercator.core.models import AuditEntry
from mercator.core.selectors import audit_entries_visible_to
from mercator.insights.activity import SENTENCES, describe_entries, render
from tests.factories import PASSWORD
from tests.trading.conftest import World
from tests.trading.test_orders import pay_by_bank, place

SRC = Path(__file__).resolve().parents[2] / "src" / "mercator"
RAW_REF = re.compile(r"\b[a-z_]+:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
CODE = r'"([a-z_]+(?:\.[a-z_]+)+)"'


def action_codes_in_code_base() -> set[str]:
    """Every audit action code the services pass to ``audit_record``: literal
    ``action="x.y"`` arguments (with ``a if c else b``), the listing status helper's and
    the order cancellations' ``f"order.{action}"``."""
    codes: set[str] = set()
    for path in SRC.rglob("*.py"):
        # Parts below src/mercator: a checkout under a folder named "insights" counts too.
        parts = path.relative_to(SRC).parts
        if "insights" in parts or "migrations" in parts:
            continue
        text = path.read_text(encoding="utf-8")
        for arg in re.findall(r"\baction=([^\n]*)", text):
            codes.update(re.findall(CODE, arg))
        for args in re.findall(r"_set_status\(([^)]*)\)", text):
            codes.update(re.findall(CODE, args))
        if 'action=f"order.{action}"' in text or "cancel_unshipped" in text:
            for call in re.findall(r"cancel_unshipped\((.*?)\)\n", text, re.S):
                for arg in re.findall(r"action=([^\n]*)", call):
                    codes.update(f"order.{x}" for x in re.findall(r'"([a-z_]+)"', arg))
    return codes


def test_every_action_code_has_a_sentence():
    codes = action_codes_in_code_base()
    # The grep finds the families it must (a broken grep would pass vacuously).
    assert {"order.ship", "order.expire", "order.approval_rejected", "listing.pause"} <= codes
    assert len(codes) > 100
    missing = sorted(codes - set(SENTENCES))
    assert missing == [], f"action codes without a sentence in insights/activity.py: {missing}"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_unknown_code_reads_as_a_generic_sentence(language):
    with translation.override(language):
        html = str(render("something.new_later", "李小龙", None, "order"))
    assert "something.new_later" not in html and "李小龙" in html


def test_sentences_name_the_person_and_link_the_number(world: World):
    order = place(world)
    pay_by_bank(world, order)
    boss = world.actor(world.food_boss)

    sentences = describe_entries(boss, audit_entries_visible_to(boss))

    texts = [str(s.html) for s in sentences]
    placed = next(t for t in texts if "下了订单" in t)
    assert f'<a href="/orders/{order.public_id}/">{order.number}</a>' in placed
    assert world.food_buyer.person.display_name in placed
    assert any(s.party == "崇左糖厂" for s in sentences)
    for text in texts:
        assert not RAW_REF.search(text) and not re.search(r"\b[a-z_]+\.[a-z_]+\b", text)


def test_links_are_scoped_to_the_reader(world: World):
    """An entry of another company's document never becomes a link for this reader."""
    order = place(world)
    outsider = world.actor(world.outsider.memberships.get(role="master"))
    entry = AuditEntry.objects.filter(action="order.place", target=order.ref).get()
    (sentence,) = describe_entries(outsider, [entry])
    assert "<a " not in str(sentence.html) and order.number not in str(sentence.html)
    assert "一张订单" in str(sentence.html)


def test_queries_one_per_kind(world: World, django_assert_max_num_queries):
    for _ in range(3):
        place(world)
    boss = world.actor(world.mill_boss)
    entries = list(audit_entries_visible_to(boss)[:30])
    kinds = {e.target.split(":")[0] for e in entries}
    # One query per kind (listings: own, then the market's) and nothing per entry.
    with django_assert_max_num_queries(len(kinds) + 2):
        describe_entries(boss, entries)


def test_home_page_feed_has_no_raw_codes_and_isolates(world: World):
    order = place(world)
    client = Client()
    assert client.login(username=world.food_boss.person.email, password=PASSWORD)
    html = client.get("/").content.decode()
    assert 'data-testid="activity"' in html and order.number in html
    assert not RAW_REF.search(html) and "order.place" not in html

    outsider = Client()
    master = world.outsider.memberships.get(role="master")
    assert outsider.login(username=master.person.email, password=PASSWORD)
    page = outsider.get("/")
    assert page.status_code == 200 and order.number not in page.content.decode()
