"""The field work beside the four rates (fieldsales.selectors.work): visits of the period,
targets visited, key persons on record; per rep as the rates' filter scopes it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mercator.core.errors import NotFound
from mercator.core.reports import DateRange
from mercator.fieldsales.selectors.work import FieldWork, field_work
from mercator.fieldsales.services.targets import key_person_set
from mercator.fieldsales.services.visits import visit_create
from tests.fieldsales.world import field_world

pytestmark = pytest.mark.django_db


def test_visits_and_key_persons_count_for_the_right_rep_and_period():
    w = field_world()
    today = timezone.localdate()
    span = DateRange(today - timedelta(days=6), today)
    partner = w.actor(w.partner_rep_seat)
    target = w.targets["南宁甜蜜食品厂"]
    assert field_work(w.operator, span) == FieldWork(0, 0, 0, 0)
    key = key_person_set(actor=partner, target_id=target.public_id, rank=1, name="黄总")
    key_person_set(actor=partner, target_id=target.public_id, rank=2, name="采购李")
    for day in (today, today - timedelta(days=1)):
        visit_create(
            actor=partner,
            target_id=target.public_id,
            visited_on=day,
            met="",
            key_person_id=key.public_id,
            outcome="positive",
        )
    # One visit before the period: not counted now, counted in the period before.
    visit_create(
        actor=partner,
        target_id=target.public_id,
        visited_on=today - timedelta(days=8),
        met="门卫",
        outcome="neutral",
    )
    assert field_work(w.operator, span) == FieldWork(2, 1, 1, 1)
    assert field_work(w.operator, span.previous()).visits == 1
    assert field_work(partner, span) == FieldWork(2, 1, 1, 1)
    # Another partner's rep sees none of it; naming the partner's rep is a 404 to him.
    other = w.actor(w.other_rep_seat)
    assert field_work(other, span) == FieldWork(0, 0, 0, 0)
    with pytest.raises(NotFound):
        field_work(other, span, rep=w.partner_rep.public_id)
    # The operator filtering on the platform's rep sees nothing of the partner's work.
    assert field_work(w.operator, span, rep=w.platform_rep.public_id) == FieldWork(0, 0, 0, 0)


def test_the_rates_page_shows_the_field_work():
    w = field_world()
    partner = w.actor(w.partner_rep_seat)
    target = w.targets["南宁甜蜜食品厂"]
    key_person_set(actor=partner, target_id=target.public_id, rank=1, name="黄总")
    visit_create(
        actor=partner,
        target_id=target.public_id,
        visited_on=timezone.localdate(),
        met="黄总",
        outcome="positive",
    )
    html = w.operator_web().get("/fieldsales/rates/").content.decode()
    assert 'data-testid="rates-work"' in html
    assert 'data-testid="rates-work-1-now">1<' in html  # one visit
    assert 'data-testid="rates-work-3-now">1<' in html  # one target with its key person
