"""The warehouse receipt registry's pages (仓单): the cold store issues a receipt from
the lot page; the grower (holder) transfers or pledges it, the lender (pledgee) releases
it; everyone else gets 404. Each action is confirmed first; a refusal is the service's
message on the page, with nothing written."""

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from mercator.core.errors import Conflict, NotFound
from mercator.core.models import AuditEntry
from mercator.logistics.models import Lot, ReceiptEvent, Release, WarehouseReceipt
from mercator.logistics.selectors import lot_get
from mercator.logistics.services import (
    receipt_issue,
    receipt_pledge,
    receipt_unpledge,
    release_request,
)
from tests.logistics.world import Yantai, buy, make_yantai

pytestmark = pytest.mark.django_db


@pytest.fixture
def y(db) -> Yantai:
    return make_yantai()


def issued(y: Yantai, quantity: str = "50") -> tuple[Lot, WarehouseReceipt]:
    lot = y.receive(quantity)
    return lot, receipt_issue(actor=y.actor(y.store_boss), lot_id=lot.public_id)


def page(receipt: WarehouseReceipt, action: str = "") -> str:
    if not action:
        return reverse("logistics-receipt", args=[receipt.public_id])
    return reverse(f"logistics-receipt-{action}", args=[receipt.public_id])


def written() -> dict[str, Any]:
    """What any registry action would change."""
    return {
        "events": ReceiptEvent.objects.count(),
        "audit": AuditEntry.objects.count(),
        "releases": Release.objects.count(),
        "receipts": list(
            WarehouseReceipt.objects.order_by("pk").values_list(
                "status", "holder_id", "pledgee_id", "version"
            )
        ),
        "owners": list(Lot.objects.order_by("pk").values_list("owner_id", "listed", "reserved")),
    }


def pledge(y: Yantai, receipt: WarehouseReceipt) -> WarehouseReceipt:
    return receipt_pledge(
        actor=y.actor(y.grower_boss),
        receipt_id=receipt.public_id,
        pledgee_id=y.buyer.public_id,
        ref="JK-2026-001",
    )


# --------------------------------------------------------------------------- issue


def test_staff_issue_a_receipt_from_the_lot_page_after_a_confirmation(y):
    lot = y.receive("50")
    url = reverse("logistics-receipt-issue", args=[lot.public_id])
    staff = y.web(y.store_boss)
    shown = staff.post(url)
    assert shown.status_code == 200
    body = shown.content.decode()
    assert 'data-testid="receipt-issue-consequence"' in body and "50 t" in body
    assert not WarehouseReceipt.objects.exists()
    done = staff.post(url, {"confirm": "1"})
    receipt = WarehouseReceipt.objects.get()
    assert done.status_code == 302 and done["Location"] == page(receipt)
    assert receipt.holder_id == y.grower.pk and receipt.quantity == Decimal("50")
    detail = staff.get(page(receipt)).content.decode()
    assert receipt.number in detail and "签发" in detail
    # A second one for the same lot: the service's refusal, on the page.
    again = staff.post(url, {"confirm": "1"})
    assert again.status_code == 409 and "该货批已有有效仓单" in again.content.decode()
    assert WarehouseReceipt.objects.count() == 1
    # Asked again without confirming, the page links the live receipt instead.
    assert receipt.number in staff.post(url).content.decode()


def test_only_the_warehouse_staff_issue(y):
    lot = y.receive("50")
    url = reverse("logistics-receipt-issue", args=[lot.public_id])
    for member in (y.grower_boss, y.outsider_boss, y.buyer_boss):
        for data in ({}, {"confirm": "1"}):
            assert y.web(member).post(url, data).status_code == 404
    assert y.web(y.store_boss).get(url).status_code == 405
    assert not WarehouseReceipt.objects.exists()


def test_a_listed_lot_gets_no_receipt(y):
    lot = y.receive("50")
    y.list(lot, "10")
    response = y.web(y.store_boss).post(
        reverse("logistics-receipt-issue", args=[lot.public_id]), {"confirm": "1"}
    )
    assert response.status_code == 409
    assert "挂牌或待出库" in response.content.decode()
    assert not WarehouseReceipt.objects.exists()


def test_the_lot_panel_offers_the_issue_to_staff_only(y):
    from django.template import Context, Template
    from django.test import RequestFactory

    lot = y.receive("50")
    template = Template("{% load receipts %}{% lot_receipt_panel lot %}")

    def render(member):
        request = RequestFactory().get("/")
        request.actor = y.actor(member)
        return template.render(Context({"request": request, "lot": lot}))

    assert 'data-testid="lot-receipt-issue"' in render(y.store_boss)
    assert 'data-testid="lot-receipt-issue"' not in render(y.grower_boss)
    receipt = receipt_issue(actor=y.actor(y.store_boss), lot_id=lot.public_id)
    for member in (y.store_boss, y.grower_boss):
        shown = render(member)
        assert receipt.number in shown and 'data-testid="lot-receipt-issue"' not in shown


# ---------------------------------------------------------------------- visibility


def numbers_listed(client, query: str = "") -> str:
    response = client.get(reverse("logistics-receipts") + query)
    assert response.status_code == 200
    return response.content.decode()


def test_holder_pledgee_and_staff_see_it_outsiders_get_404(y):
    _lot, receipt = issued(y)
    # Another depositor's receipt in the same cold store.
    other_lot = y.receive("20", sku=y.outsider_sku, owner=y.outsider_boss)
    other = receipt_issue(actor=y.actor(y.store_boss), lot_id=other_lot.public_id)
    pledge(y, receipt)

    grower = numbers_listed(y.web(y.grower_boss), "?side=held")
    assert receipt.number in grower and other.number not in grower
    lender = numbers_listed(y.web(y.buyer_boss), "?side=pledged")
    assert receipt.number in lender and other.number not in lender
    store = numbers_listed(y.web(y.store_boss), "?side=warehouse")
    assert receipt.number in store and other.number in store
    outsider = numbers_listed(y.web(y.outsider_boss))
    assert receipt.number not in outsider and other.number in outsider

    for member in (y.grower_boss, y.buyer_boss, y.store_boss):
        detail = y.web(member).get(page(receipt))
        assert detail.status_code == 200, member
        text = detail.content.decode()
        assert "JK-2026-001" in text and "汇源果汁" in text
    outsider_web = y.web(y.outsider_boss)
    assert outsider_web.get(page(receipt)).status_code == 404
    before = written()
    for action in ("transfer", "pledge", "unpledge", "cancel"):
        data = {"version": "2", "company_q": "别家", "confirm": "1"}
        assert outsider_web.post(page(receipt, action), data).status_code == 404, action
    assert written() == before
    # The grower never sees the other depositor's receipt either.
    assert y.web(y.grower_boss).get(page(other)).status_code == 404


def test_the_list_filters_by_status_and_exports(y):
    _lot, receipt = issued(y)
    _lot2, second = issued(y, "30")
    pledge(y, receipt)
    client = y.web(y.grower_boss)
    pledged = numbers_listed(client, "?status=pledged")
    assert receipt.number in pledged and second.number not in pledged
    active = numbers_listed(client, "?status=active")
    assert second.number in active and receipt.number not in active
    rows = client.get(reverse("logistics-receipts") + "?q=" + second.number, HTTP_HX_REQUEST="true")
    assert rows.status_code == 200 and "<html" not in rows.content.decode()
    assert second.number in rows.content.decode()
    export = client.get(reverse("logistics-receipts") + "?format=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd")
    garbage = client.get(reverse("logistics-receipts") + "?status=zz&side=%00&sort=;x&page=-1")
    assert garbage.status_code == 200


# ------------------------------------------------------------------------ transfer


def test_transfer_by_name_search_with_a_confirmation(y):
    lot, receipt = issued(y)
    grower = y.web(y.grower_boss)
    base = {"version": str(receipt.version), "company_q": "汇源", "ref": "HT-7", "note": ""}
    shown = grower.post(page(receipt, "transfer"), base)
    assert shown.status_code == 200
    text = shown.content.decode()
    assert 'data-testid="receipt-confirm"' in text and "汇源果汁" in text
    assert "货物留在仓库" in text
    assert ReceiptEvent.objects.filter(action="transfer").count() == 0
    done = grower.post(
        page(receipt, "transfer"), {**base, "company": str(y.buyer.public_id), "confirm": "1"}
    )
    # The grower no longer holds it: back to his list, where it is gone.
    assert done.status_code == 302 and done["Location"] == reverse("logistics-receipts")
    receipt.refresh_from_db()
    lot.refresh_from_db()
    assert receipt.holder_id == y.buyer.pk and lot.owner_id == y.buyer.pk
    event = ReceiptEvent.objects.get(action="transfer")
    assert (event.from_company_id, event.to_company_id, event.ref) == (
        y.grower.pk,
        y.buyer.pk,
        "HT-7",
    )
    # The former holder no longer sees it; the new one sees it and the lot.
    assert grower.get(page(receipt)).status_code == 404
    assert receipt.number not in numbers_listed(grower)
    with pytest.raises(NotFound):
        lot_get(y.actor(y.grower_boss), lot.public_id)
    assert lot_get(y.actor(y.buyer_boss), lot.public_id).pk == lot.pk
    buyer = y.web(y.buyer_boss)
    assert receipt.number in numbers_listed(buyer, "?side=held")
    history = buyer.get(page(receipt)).content.decode()
    assert history.count('data-testid="receipt-event"') == 2


def test_several_companies_found_are_offered_to_choose(y):
    _lot, receipt = issued(y)
    grower = y.web(y.grower_boss)
    # Every factory company is a "测试贸易有限公司N" by its full name.
    data = {"version": str(receipt.version), "company_q": "贸易"}
    shown = grower.post(page(receipt, "transfer"), data)
    text = shown.content.decode()
    assert shown.status_code == 200 and 'data-testid="receipt-transfer-choices"' in text
    assert "别家果园" in text and "汇源果汁" in text
    assert f'value="{y.grower.public_id}"' not in text  # never one's own company
    picked = grower.post(page(receipt, "transfer"), {**data, "company": str(y.outsider.public_id)})
    assert 'data-testid="receipt-confirm"' in picked.content.decode()
    assert "别家果园" in picked.content.decode()


def test_bad_input_is_a_form_error_and_writes_nothing(y):
    _lot, receipt = issued(y)
    grower = y.web(y.grower_boss)
    before = written()
    cases = [
        ("transfer", {"version": "abc", "company_q": "汇源", "confirm": "1"}),
        ("transfer", {"version": "1", "company_q": "汇", "confirm": "1"}),
        ("transfer", {"version": "1", "company_q": "不存在的公司", "confirm": "1"}),
        ("transfer", {"version": "1", "company_q": "汇源", "company": "zz", "confirm": "1"}),
        ("pledge", {"version": "1", "company_q": "汇源", "ref": "x" * 81, "confirm": "1"}),
        ("cancel", {"version": "1", "reason": "x" * 301, "confirm": "1"}),
        ("cancel", {"confirm": "1"}),
        ("pledge", {"version": "1", "company_q": "栖霞果园", "confirm": "1"}),
    ]
    for action, data in cases:
        response = grower.post(page(receipt, action), data)
        assert response.status_code == 422, (action, data, response.status_code)
        assert 'data-testid="form-errors"' in response.content.decode()
    # A picked company the name does not find (or one's own) is refused too.
    own = {"version": "1", "company_q": "汇源", "company": str(y.grower.public_id), "confirm": "1"}
    assert grower.post(page(receipt, "transfer"), own).status_code == 422
    assert written() == before


# --------------------------------------------------------------------------- pledge


def test_a_pledged_receipt_refuses_transfer_second_pledge_cancel_and_pick_up(y):
    lot, receipt = issued(y)
    grower = y.web(y.grower_boss)
    data = {"version": str(receipt.version), "company_q": "汇源", "ref": "JK-1"}
    confirm = grower.post(page(receipt, "pledge"), data).content.decode()
    assert "质押后" in confirm and "不能转让" in confirm
    done = grower.post(
        page(receipt, "pledge"), {**data, "company": str(y.buyer.public_id), "confirm": "1"}
    )
    assert done.status_code == 302 and done["Location"] == page(receipt)
    receipt.refresh_from_db()
    assert receipt.status == "pledged" and receipt.pledgee_id == y.buyer.pk
    detail = grower.get(page(receipt)).content.decode()
    assert 'data-testid="receipt-pledged-note"' in detail
    assert 'data-testid="receipt-transfer"' not in detail  # no form to offer

    before = written()
    version = str(receipt.version)
    refused = [
        (
            "transfer",
            {"version": version, "company_q": "别家", "company": str(y.outsider.public_id)},
        ),
        ("pledge", {"version": version, "company_q": "别家", "company": str(y.outsider.public_id)}),
        ("cancel", {"version": version, "reason": "不要了"}),
    ]
    for action, data in refused:
        response = grower.post(page(receipt, action), {**data, "confirm": "1"})
        assert response.status_code == 409, (action, response.status_code)
        assert "已质押" in response.content.decode()
        assert 'data-testid="form-errors"' in response.content.decode()
    with pytest.raises(Conflict) as pickup:
        release_request(actor=y.actor(y.grower_boss), lot_id=lot.public_id, quantity="5")
    assert pickup.value.code == "receipt_pledged"
    assert written() == before


def test_only_the_pledgee_releases_the_pledge(y):
    _lot, receipt = issued(y)
    receipt = pledge(y, receipt)
    data = {"version": str(receipt.version), "note": "已还款", "confirm": "1"}
    before = written()
    holder = y.web(y.grower_boss).post(page(receipt, "unpledge"), data)
    assert holder.status_code == 409 and "只有质权人" in holder.content.decode()
    staff = y.web(y.store_boss).post(page(receipt, "unpledge"), data)
    assert staff.status_code == 409
    assert written() == before
    lender = y.web(y.buyer_boss)
    detail = lender.get(page(receipt)).content.decode()
    assert 'data-testid="receipt-unpledge"' in detail
    confirm = lender.post(page(receipt, "unpledge"), {**data, "confirm": ""})
    assert "解除质押后" in confirm.content.decode()
    done = lender.post(page(receipt, "unpledge"), data)
    # Released, the receipt is no longer the lender's to see.
    assert done.status_code == 302 and done["Location"] == reverse("logistics-receipts")
    receipt.refresh_from_db()
    assert receipt.status == "active" and receipt.pledgee_id is None
    assert lender.get(page(receipt)).status_code == 404
    assert ReceiptEvent.objects.filter(action="unpledge").count() == 1


def test_a_stale_version_is_refused_with_nothing_written(y):
    _lot, receipt = issued(y)
    seen = receipt.version
    # Meanwhile: pledged and released again (still active, same holder, newer version).
    receipt = pledge(y, receipt)
    receipt_unpledge(actor=y.actor(y.buyer_boss), receipt_id=receipt.public_id)
    before = written()
    response = y.web(y.grower_boss).post(
        page(receipt, "transfer"),
        {
            "version": str(seen),
            "company_q": "别家",
            "company": str(y.outsider.public_id),
            "confirm": "1",
        },
    )
    assert response.status_code == 409
    assert "仓单状态刚刚变化" in response.content.decode()
    assert written() == before


# ---------------------------------------------------------------------------- cancel


def test_the_holder_cancels_an_active_receipt(y):
    lot, receipt = issued(y)
    grower = y.web(y.grower_boss)
    data = {"version": str(receipt.version), "reason": "不再需要"}
    assert "不能恢复" in grower.post(page(receipt, "cancel"), data).content.decode()
    done = grower.post(page(receipt, "cancel"), {**data, "confirm": "1"})
    assert done.status_code == 302
    receipt.refresh_from_db()
    assert receipt.status == "cancelled" and receipt.cancel_reason == "不再需要"
    # The goods are still his, and the lot may be receipted again.
    again = y.web(y.store_boss).post(
        reverse("logistics-receipt-issue", args=[lot.public_id]), {"confirm": "1"}
    )
    assert again.status_code == 302
    assert WarehouseReceipt.objects.filter(lot=lot, status="active").count() == 1


# ------------------------------------------------------------------------------ sale


def test_a_paid_order_for_the_whole_receipted_lot_passes_the_receipt_to_the_buyer(y):
    lot, receipt = issued(y, "40")
    listing = y.list(lot, "40")
    order = buy(y, listing, "40")
    # The title passed with the receipt: the order ships at once, so it cannot be
    # cancelled with the goods kept.
    assert order.status == "shipped"
    receipt.refresh_from_db()
    lot.refresh_from_db()
    assert receipt.holder_id == y.buyer.pk and lot.owner_id == y.buyer.pk
    assert not Release.objects.filter(order_ref=order.ref).exists()  # the goods stay
    buyer = y.web(y.buyer_boss)
    assert receipt.number in numbers_listed(buyer, "?side=held")
    history = buyer.get(page(receipt)).content.decode()
    # The transfer names the order by its number, as a link, never "order:<uuid>".
    assert order.number in history and "order:" not in history
    assert reverse("order-detail", args=[order.public_id]) in history
    assert y.web(y.grower_boss).get(page(receipt)).status_code == 404
    assert receipt.number not in numbers_listed(y.web(y.grower_boss))


def test_navigation_shows_the_registry_to_stock_and_warehouse_members(y):
    from mercator.companies.roles import Role
    from tests.factories import add_member

    for member in (y.grower_boss, y.store_boss):
        home = y.web(member).get("/").content.decode()
        assert 'data-testid="nav-receipts"' in home
    viewer = add_member(y.grower, Role.VIEWER)
    from django.test import Client

    client = Client()
    client.force_login(viewer.person)
    assert 'data-testid="nav-receipts"' not in client.get("/").content.decode()
