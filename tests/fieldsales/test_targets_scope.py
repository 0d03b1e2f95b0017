"""Who sees what: a rep only his targets and his visits; another partner's rep none of
them (404 on their ids, absent from lists), through the pages and the API; a partner's
manager his own reps' targets; the operator all."""

import datetime

import pytest
from django.utils import timezone

from mercator.companies.roles import Role
from mercator.fieldsales.services.visits import visit_create
from tests.factories import CompanyFactory, add_member
from tests.fieldsales.world import FieldWorld, field_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> FieldWorld:
    world = field_world()
    for name, seat in (
        ("南宁甜蜜食品厂", world.partner_rep_seat),
        ("柳州螺蛳粉厂", world.other_rep_seat),
    ):
        visit_create(
            actor=world.actor(seat),
            target_id=world.targets[name].public_id,
            visited_on=timezone.localdate() - datetime.timedelta(days=1),
            met="王厂长",
            outcome="positive",
        )
    return world


def listed(client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return {row["id"] for row in response.json()["items"]}


def test_a_rep_reads_only_his_targets_and_visits_through_the_api(w):
    mine = w.targets["南宁甜蜜食品厂"]
    theirs = w.targets["柳州螺蛳粉厂"]
    api = w.api(w.partner_rep_seat)
    assert listed(api, "/api/v1/fieldsales/targets") == {str(mine.public_id)}
    visits = api.get("/api/v1/fieldsales/visits").json()["items"]
    assert [v["target"] for v in visits] == [str(mine.public_id)]
    assert api.get(f"/api/v1/fieldsales/targets/{mine.public_id}").status_code == 200
    for url in (
        f"/api/v1/fieldsales/targets/{theirs.public_id}",
        f"/api/v1/fieldsales/targets/{w.targets['北海海鲜加工厂'].public_id}",
        f"/api/v1/fieldsales/reps/{w.other_rep.public_id}",
    ):
        response = api.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found", url
    other_visit = w.api(w.other_rep_seat).get("/api/v1/fieldsales/visits").json()["items"][0]
    assert api.get(f"/api/v1/fieldsales/visits/{other_visit['id']}").status_code == 404
    # Writes on the other's target: 404 and nothing written.
    response = api.post(
        f"/api/v1/fieldsales/targets/{theirs.public_id}/visits",
        {"visited_on": str(timezone.localdate()), "met": "x", "outcome": "neutral"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert listed(api, "/api/v1/fieldsales/reps") == {str(w.partner_rep.public_id)}


def test_another_partners_rep_and_an_outsider_see_none(w):
    mine = w.targets["南宁甜蜜食品厂"]
    for seat in (w.other_rep_seat, add_member(CompanyFactory(), Role.MANAGER)):
        api = w.api(seat)
        assert str(mine.public_id) not in listed(api, "/api/v1/fieldsales/targets")
        assert api.get(f"/api/v1/fieldsales/targets/{mine.public_id}").status_code == 404
        web = w.web(seat)
        assert web.get(f"/fieldsales/targets/{mine.public_id}/").status_code == 404
        assert web.get(f"/fieldsales/targets/{mine.public_id}/visits/new/").status_code == 404
        page = web.get("/fieldsales/targets/")
        assert mine.name not in page.content.decode()


def test_a_rep_sees_his_targets_on_the_pages(w):
    web = w.web(w.partner_rep_seat)
    page = web.get("/fieldsales/targets/").content.decode()
    assert "南宁甜蜜食品厂" in page and "柳州螺蛳粉厂" not in page and "北海海鲜加工厂" not in page
    detail = web.get(f"/fieldsales/targets/{w.targets['南宁甜蜜食品厂'].public_id}/")
    assert detail.status_code == 200 and 'data-testid="visit"' in detail.content.decode()
    markets = web.get("/fieldsales/markets/").content.decode()
    assert "广西食品厂" in markets
    assert web.get(f"/fieldsales/targets/{w.targets['柳州螺蛳粉厂'].public_id}/").status_code == 404
    assert web.get("/fieldsales/targets/not-a-uuid/").status_code == 404
    assert web.get("/ops/fieldsales/reasons/").status_code == 404


def test_a_manager_sees_his_reps_targets_only_and_a_plain_member_nothing(w):
    api = w.api(w.partner_manager)
    assert listed(api, "/api/v1/fieldsales/targets") == {str(w.targets["南宁甜蜜食品厂"].public_id)}
    assert listed(api, "/api/v1/fieldsales/reps") == {str(w.partner_rep.public_id)}
    clerk = add_member(w.partner, Role.SALES)
    assert listed(w.api(clerk), "/api/v1/fieldsales/targets") == set()
    assert w.web(clerk).get("/fieldsales/targets/").status_code == 404
    # The operator sees every target.
    assert len(listed(w.operator_web(), "/api/v1/fieldsales/targets")) == 4
