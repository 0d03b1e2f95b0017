"""Issue 14 in a real Chromium, on a desktop and on a phone (390 px): a field rep records
a target's key person and logs his visit; the operator's four-rate page shows the field
work grow by one visit and one target with its key person on record.

1. The operator opens 四个率 (/fieldsales/rates/) and reads the field work of the last 30
   days (地推工作: visits, targets visited, targets with their key person).
2. The platform's rep (rep@mercator.demo) opens one of his targets from 目标企业 that has no
   key person yet, records its 关键人 (name, title, phone), then 记录拜访: today, the key
   person met, a positive outcome, the next step. The target's page lists both.
3. The operator reloads 四个率: one more visit, one more target visited, one more target
   with its key person; the funnel and the rates are there, nothing breaks the CSP, and
   <main> never scrolls sideways."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from mercator.core.actor import Actor
from mercator.core.models import User
from mercator.core.reports import report_range
from mercator.demo.build import demo_build
from mercator.fieldsales.models import KeyPerson, Target, Visit
from mercator.fieldsales.selectors.work import field_work
from tests.browser.test_community import VIEWPORTS, _fits, _page, _sign_in

pytestmark = pytest.mark.browser

REP = "rep@mercator.demo"
OPERATOR = "ops@mercator.demo"


def _work_now(page, row: int) -> int:
    text = page.get_by_test_id(f"rates-work-{row}-now").inner_text()
    return int(text.replace(",", ""))


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_rep_logs_a_visit_and_the_key_person_and_the_rates_page_shows_it(
    browser: Browser, url, viewport
):
    demo_build()
    target = (
        Target.objects.filter(rep__membership__person__email=REP, key_persons__isnull=True)
        .order_by("name")
        .first()
    )
    assert target is not None, "the demo leaves the platform's rep targets to work on"
    ops_actor = Actor(person=User.objects.get(email=OPERATOR))
    before = field_work(ops_actor, report_range())

    # 1. The operator's four rates, as they stand.
    ops = _page(browser, viewport)
    _sign_in(ops, url, OPERATOR)
    ops.goto(url("/fieldsales/rates/"))
    expect(ops.get_by_test_id("rates-table")).to_be_visible()
    expect(ops.get_by_test_id("rates-funnel")).to_be_visible()
    assert _work_now(ops, 1) == before.visits
    assert _work_now(ops, 3) == before.key_person

    # 2. The rep records the key person, then the visit.
    rep = _page(browser, viewport)
    _sign_in(rep, url, REP)
    rep.goto(url("/fieldsales/targets/"))
    rep.get_by_test_id("targets").get_by_role("link", name=target.name, exact=True).click()
    expect(rep).to_have_url(re.compile(rf"/fieldsales/targets/{target.public_id}/$"))
    expect(rep.get_by_test_id("key-person-1")).to_contain_text("未记录")
    form = rep.get_by_test_id("key-person-form")
    form.locator("summary").click()
    form.locator("select[name=rank]").select_option("1")
    form.locator("input[name=name]").fill("韦厂长")
    form.locator("input[name=role]").fill("厂长")
    form.locator("input[name=phone]").fill("13977100099")
    rep.get_by_test_id("key-person-save").click()
    expect(rep.get_by_test_id("key-person-1")).to_contain_text("韦厂长")
    _fits(rep, "target page")

    rep.get_by_test_id("visit-new").click()
    visit = rep.get_by_test_id("visit-form")
    visit.locator("input[name=visited_on]").fill(timezone.localdate().isoformat())
    visit.locator("select[name=key_person]").select_option(label="关键人 · 韦厂长（厂长）")
    visit.locator("select[name=outcome]").select_option("positive")
    visit.locator("textarea[name=summary]").fill("看了平台上的糖价和账期，愿意试一单。")
    visit.locator("input[name=next_step]").fill("下周带开户资料再去")
    rep.get_by_test_id("visit-save").click()
    expect(rep).to_have_url(re.compile(rf"/fieldsales/targets/{target.public_id}/$"))
    expect(rep.get_by_test_id("visits").get_by_test_id("visit").first).to_contain_text("韦厂长")
    assert KeyPerson.objects.filter(target=target, rank=1, name="韦厂长").exists()
    assert Visit.objects.filter(target=target, key_person__name="韦厂长").count() == 1

    # 3. The operator's page shows the change.
    ops.reload()
    expect(ops.get_by_test_id("rates-work-1-now")).to_have_text(f"{before.visits + 1:,}")
    expect(ops.get_by_test_id("rates-work-2-now")).to_have_text(f"{before.visited + 1:,}")
    expect(ops.get_by_test_id("rates-work-3-now")).to_have_text(f"{before.key_person + 1:,}")
    _fits(ops, "rates page")
    for page in (ops, rep):
        assert page.csp_violations == []
