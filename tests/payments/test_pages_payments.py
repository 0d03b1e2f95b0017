"""The payments pages: the wallet with its withdrawal form, an intent's page (bank
transfer instructions, the gateway button), the sandbox checkout and the operator's
ledger page, in Chinese and English; other companies and non-operators get 404."""

from decimal import Decimal

import pytest
from django.urls import reverse

from mercator.companies.roles import Role
from mercator.payments.models import LedgerTransaction, PaymentIntent, WebhookEvent
from tests.conftest import choose_language, master_of
from tests.factories import add_member
from tests.payments.conftest import assert_ledger_sound, balance, fund_wallet, make_intent

D = Decimal


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_wallet_page_in_both_languages(world, language):
    fund_wallet(world.food, "88.00")
    client = world.web(world.food_boss)
    choose_language(client, language)
    response = client.get(reverse("wallet"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert 'data-testid="wallet-balance-CNY">¥88.00<' in html
    assert 'data-testid="withdraw"' in html


def test_wallet_page_roles(world):
    manager = add_member(world.food, Role.MANAGER)  # views payments, does not withdraw
    html = world.web(manager).get(reverse("wallet")).content.decode()
    assert 'data-testid="wallet-balances"' in html and 'data-testid="withdraw"' not in html
    assert (
        world.web(manager)
        .post(reverse("wallet-withdraw"), {"amount": "1", "currency": "CNY"})
        .status_code
        == 403
    )
    assert world.web(world.food_buyer).get(reverse("wallet")).status_code == 403


def test_withdraw_form(world):
    fund_wallet(world.food, "100.00")
    client = world.web(world.food_boss)
    bad = client.post(reverse("wallet-withdraw"), {"amount": "1.005", "currency": "CNY"})
    assert bad.status_code == 422 and 'data-testid="form-errors"' in bad.content.decode()
    short = client.post(reverse("wallet-withdraw"), {"amount": "100.01", "currency": "CNY"})
    assert short.status_code == 409
    assert balance(world.food) == D("100.00")
    ok = client.post(reverse("wallet-withdraw"), {"amount": "60", "currency": "CNY"})
    assert ok.status_code == 302 and ok["Location"] == reverse("wallet")
    assert balance(world.food) == D("40.00")
    assert_ledger_sound()


def test_bank_transfer_intent_page_shows_code_and_account(world, settings):
    intent = make_intent(world, method="bank_transfer", amount="5095.00")
    url = reverse("payment-intent", args=[intent.public_id])
    html = world.web(world.food_boss).get(url).content.decode()
    assert intent.transfer_code in html
    assert settings.MERCATOR["PLATFORM_BANK_ACCOUNT"] in html
    assert "¥5,095.00" in html
    payee = world.web(world.mill_boss).get(url)
    assert payee.status_code == 200 and 'data-testid="bank-instructions"' not in (
        payee.content.decode()
    )
    assert world.web(master_of(world.outsider)).get(url).status_code == 404
    assert world.web(world.food_boss).get("/payments/intents/garbage/").status_code == 404


def test_gateway_intent_page_links_to_the_sandbox_checkout(world):
    intent = make_intent(world)
    html = world.web(world.food_boss).get(reverse("payment-intent", args=[intent.public_id]))
    checkout = reverse("sandbox-checkout", args=[intent.public_id])
    assert f'href="{checkout}"' in html.content.decode()


def test_cancel_from_the_intent_page(world):
    intent = make_intent(world, method="bank_transfer")
    url = reverse("payment-intent-cancel", args=[intent.public_id])
    assert world.web(master_of(world.outsider)).post(url).status_code == 404
    assert world.web(world.food_boss).post(url).status_code == 302
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.CANCELLED


def test_sandbox_checkout_pays_and_returns_to_next(world):
    intent = make_intent(world, amount="12.30")
    client = world.web(world.food_boss)
    url = reverse("sandbox-checkout", args=[intent.public_id])
    page = client.get(url, {"next": "/orders/abc/"})
    html = page.content.decode()
    assert page.status_code == 200 and "沙箱" in html and "SANDBOX" in html
    assert 'data-testid="sandbox-pay"' in html and 'data-testid="sandbox-fail"' in html
    assert 'value="/orders/abc/"' in html
    done = client.post(url, {"outcome": "succeeded", "next": "/orders/abc/"})
    assert done.status_code == 302 and done["Location"] == "/orders/abc/"
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.SUCCEEDED
    assert WebhookEvent.objects.get().result == "captured"
    again = client.post(url, {"outcome": "succeeded"})
    assert again.status_code == 409
    assert LedgerTransaction.objects.count() == 1
    assert_ledger_sound()


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_sandbox_checkout_ignores_unsafe_next(world, next_url):
    intent = make_intent(world)
    client = world.web(world.food_boss)
    url = reverse("sandbox-checkout", args=[intent.public_id])
    done = client.post(url, {"outcome": "failed", "next": next_url})
    assert done.status_code == 302
    assert done["Location"] == reverse("payment-intent", args=[intent.public_id])
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.FAILED


def test_sandbox_checkout_is_the_payers_only(world):
    intent = make_intent(world)
    url = reverse("sandbox-checkout", args=[intent.public_id])
    assert world.web(world.mill_boss).get(url).status_code == 404
    assert world.web(master_of(world.outsider)).post(url, {"outcome": "succeeded"}).status_code == (
        404
    )
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.PENDING


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_ops_ledger_page_for_operators(world, operator_client, language):
    fund_wallet(world.food, "500.00")
    make_intent(world, method="wallet", amount="120.00")
    choose_language(operator_client, language)
    response = operator_client.get(reverse("ops-ledger"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert 'data-testid="platform-escrow-CNY">¥120.00<' in html
    assert 'data-testid="ledger-ok"' in html
    assert world.food.short_name in html  # the latest transactions with their legs


def test_ops_ledger_page_is_404_for_everyone_else(world):
    for member in (world.food_boss, world.mill_boss):
        assert world.web(member).get(reverse("ops-ledger")).status_code == 404
    assert world.web(world.food_boss).get(reverse("ops-ledger")).status_code == 404


def test_admin_shows_the_ledger_read_only(world):
    from django.test import Client

    from tests.factories import PASSWORD, UserFactory

    fund_wallet(world.food, "10.00")
    make_intent(world, method="wallet", amount="10.00")
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    assert client.login(username=admin.email, password=PASSWORD)
    for model in ("ledgeraccount", "ledgertransaction", "ledgerentry", "paymentintent"):
        changelist = client.get(f"/admin/payments/{model}/")
        assert changelist.status_code == 200, model
        assert client.get(f"/admin/payments/{model}/add/").status_code == 403
    assert client.get("/admin/payments/webhookevent/").status_code == 200
    txn = LedgerTransaction.objects.filter(kind="wallet_payment").get()
    detail = client.get(f"/admin/payments/ledgertransaction/{txn.pk}/change/")
    assert detail.status_code == 200 and "-10.00" in detail.content.decode()
