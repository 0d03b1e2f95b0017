"""Payment providers behind one interface (issue 9): the sandbox is off unless a setting
turns it on, its webhook has no public secret, a real provider's intents are captured
only by that provider, and sandbox money never makes a real deal."""

import os
import stat
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from mercator.core.errors import Conflict, NotFound
from mercator.payments.models import (
    AccountKind,
    LedgerEntry,
    LedgerTransaction,
    PaymentIntent,
    WebhookEvent,
)
from mercator.payments.providers import (
    HmacProvider,
    SandboxProvider,
    checkout_url,
    enabled_providers,
    provider_get,
)
from mercator.payments.services.gateway import sandbox_complete
from mercator.trading import services
from mercator.trading.models import Deal
from mercator.trading.selectors.index import gmv
from tests.conftest import bearer_client
from tests.payments.conftest import balance, deliver, gateway_event, make_intent
from tests.trading.test_invoices import issue, titles
from tests.trading.test_orders import place

D = Decimal
ROOT = Path(__file__).resolve().parents[2]
PUBLIC_DEFAULT = "sandbox-secret-change-me"  # the value settings.py used to ship


class AcmeGateway(HmacProvider):
    """A real provider as an installation would add one (MERCATOR_PAYMENT_PROVIDERS)."""

    name = "acme"
    label = "Acme Pay"
    secret_setting = "ACME_SECRET"

    def checkout_url(self, intent: PaymentIntent) -> str:
        return f"https://pay.acme.example/checkout/{intent.public_id}"


ACME = "tests.payments.test_providers.AcmeGateway"


def nothing_written() -> bool:
    return not (
        WebhookEvent.objects.exists()
        or LedgerTransaction.objects.exists()
        or LedgerEntry.objects.exists()
    )


@pytest.fixture
def sandbox_off(settings):
    settings.MERCATOR = {**settings.MERCATOR, "SANDBOX_PAYMENTS": False}


@pytest.fixture
def acme(settings):
    settings.MERCATOR = {
        **settings.MERCATOR,
        "PAYMENT_PROVIDERS": [ACME],
        "ACME_SECRET": "acme-live-webhook-secret-9f8e7d6c",
    }
    return provider_get("acme")


def test_sandbox_off_its_webhook_and_pages_answer_404_and_nothing_is_written(world, settings):
    intent = make_intent(world, amount="700.00")  # created while the sandbox was on
    body = gateway_event(intent)
    header = SandboxProvider().sign(body)  # correctly signed with its secret
    settings.MERCATOR = {**settings.MERCATOR, "SANDBOX_PAYMENTS": False}
    answer = Client().post(
        "/api/v1/payments/webhooks/sandbox",
        data=body,
        content_type="application/json",
        HTTP_MERCATOR_SIGNATURE=header,
    )
    assert answer.status_code == 404 and answer.json()["code"] == "unknown_provider"
    boss = Client()
    boss.force_login(world.food_boss.person)
    assert boss.get(f"/payments/sandbox/{intent.public_id}/").status_code == 404
    assert boss.post(f"/payments/sandbox/{intent.public_id}/").status_code == 404
    with pytest.raises(NotFound):
        sandbox_complete(actor=world.actor(world.food_boss), intent_id=intent.public_id)
    assert checkout_url(intent) is None
    assert enabled_providers() == []
    intent.refresh_from_db()
    assert intent.status == "pending" and nothing_written()


def test_sandbox_off_no_online_payment_can_start(world, sandbox_off):
    order = place(world)
    with pytest.raises(Conflict) as refused:
        services.order_pay(
            actor=world.actor(world.food_boss), order_id=order.public_id, method="gateway"
        )
    assert refused.value.code == "gateway_unavailable"
    assert not PaymentIntent.objects.exists()


def test_sandbox_off_api_pay_by_gateway_is_a_coded_409(world, sandbox_off):
    order = place(world)
    api = bearer_client(world.food_boss)
    response = api.post(
        f"/api/v1/orders/{order.public_id}/pay",
        data={"method": "gateway"},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "gateway_unavailable"
    assert not PaymentIntent.objects.exists()


def test_webhook_signed_with_the_old_public_default_captures_nothing(world, settings):
    """The defect: anyone who read settings.py could sign a capture."""
    settings.MERCATOR = {**settings.MERCATOR, "SANDBOX_GATEWAY_SECRET": PUBLIC_DEFAULT}
    intent = make_intent(world, amount="900.00")
    body = gateway_event(intent)
    response = Client().post(
        "/api/v1/payments/webhooks/sandbox",
        data=body,
        content_type="application/json",
        HTTP_MERCATOR_SIGNATURE=SandboxProvider().sign(body),
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_signature"
    intent.refresh_from_db()
    assert intent.status == "pending" and nothing_written()


def test_settings_ship_no_public_webhook_secret(tmp_path):
    """settings.py has no literal default: without the variable a secret is generated
    once per installation under var/ (mode 600), and it is not the old public one."""
    source = (ROOT / "src/mercator/settings.py").read_text()
    assert PUBLIC_DEFAULT not in source and "change-me" not in source
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERCATOR_SANDBOX")}
    env.update(MERCATOR_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="mercator.settings")
    code = (
        "from django.conf import settings; "
        "print(settings.MERCATOR['SANDBOX_GATEWAY_SECRET']); "
        "print(settings.MERCATOR['SANDBOX_PAYMENTS'])"
    )
    first = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    again = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    secret_file = tmp_path / "sandbox_gateway_secret"
    assert first == again and first[1] == "False"  # off unless turned on
    assert first[0] == secret_file.read_text().strip() and len(first[0]) >= 40
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600


def test_real_provider_checkout_and_capture_is_real_money(world, acme):
    order = place(world)
    intent = services.order_pay(
        actor=world.actor(world.food_boss), order_id=order.public_id, method="gateway"
    )
    assert intent.provider == "acme"  # a real provider comes before the sandbox
    assert checkout_url(intent) == f"https://pay.acme.example/checkout/{intent.public_id}"
    body = gateway_event(intent)
    # The sandbox cannot capture an intent meant for the real provider.
    assert deliver(body).json()["result"] == "provider_mismatch"
    intent.refresh_from_db()
    assert intent.status == "pending"
    event = gateway_event(intent)
    response = Client().post(
        "/api/v1/payments/webhooks/acme",
        data=event,
        content_type="application/json",
        HTTP_MERCATOR_SIGNATURE=acme.sign(event),
    )
    assert response.json()["result"] == "captured", response.content
    intent.refresh_from_db()
    assert intent.status == "succeeded" and not intent.sandbox
    assert balance(None, AccountKind.GATEWAY_CLEARING) == -order.total
    assert balance(None, AccountKind.SANDBOX_CLEARING) == 0


def test_trading_api_gives_the_providers_checkout_url(world, acme):
    order = place(world)
    api = bearer_client(world.food_boss)
    response = api.post(
        f"/api/v1/orders/{order.public_id}/pay",
        data={"method": "gateway"},
        content_type="application/json",
    )
    assert response.status_code in (200, 201), response.content
    assert response.json()["checkout_url"].startswith("https://pay.acme.example/checkout/")


def _settle_and_invoice(world, order):
    services.order_ship(actor=world.actor(world.mill_clerk), order_id=order.public_id)
    services.order_receive(actor=world.actor(world.food_buyer), order_id=order.public_id)
    issue(world, order)
    order.refresh_from_db()
    return order


def test_sandbox_money_never_makes_a_real_deal(world):
    """The defect: a sandbox 'payment' became a real deal, GMV and a price-index point."""
    titles(world)
    order = place(world)
    boss = world.actor(world.food_boss)
    intent = services.order_pay(actor=boss, order_id=order.public_id, method="gateway")
    assert sandbox_complete(actor=boss, intent_id=intent.public_id)["result"] == "captured"
    intent.refresh_from_db()
    assert intent.sandbox and intent.provider == "sandbox"
    order = _settle_and_invoice(world, order)
    assert order.status == "settled" and order.paid_at is not None
    assert not order.is_real and not Deal.objects.filter(order=order).exists()
    assert gmv() == 0
    api = bearer_client(world.food_boss)
    shown = api.get(f"/api/v1/payments/intents/{intent.public_id}").json()
    assert shown["sandbox"] is True and shown["provider"] == "sandbox"


def test_the_same_order_paid_by_real_gateway_is_a_real_deal(world, acme):
    titles(world)
    order = place(world)
    intent = services.order_pay(
        actor=world.actor(world.food_boss), order_id=order.public_id, method="gateway"
    )
    event = gateway_event(intent)
    headers = {"HTTP_MERCATOR_SIGNATURE": acme.sign(event)}
    url = "/api/v1/payments/webhooks/acme"
    Client().post(url, data=event, content_type="application/json", **headers)
    order = _settle_and_invoice(world, order)
    assert order.is_real and Deal.objects.filter(order=order).exists()
    assert gmv() == D("500000.00")  # the goods, freight excluded


def test_sandbox_intent_page_flags_play_money(world, settings):
    intent = make_intent(world, amount="300.00")
    sandbox_complete(actor=world.actor(world.food_boss), intent_id=intent.public_id)
    client = Client()
    client.force_login(world.food_boss.person)
    page = client.get(f"/payments/intents/{intent.public_id}/").content.decode()
    assert 'data-testid="intent-sandbox"' in page


def _mercator(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mercator.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MERCATOR_SANDBOX", "DEBUG", "SECURE_", "DJANGO_SETTINGS"))
    }
    env.update(
        MERCATOR_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL="",
        MERCATOR_HUEY_NAME="mercator-deploy-test",
    )
    return env


def test_server_refuses_to_start_in_production_with_a_default_webhook_secret(production_env):
    env = {**production_env, "MERCATOR_SANDBOX_GATEWAY_SECRET": PUBLIC_DEFAULT}
    for command in (["serve", "--bind", "127.0.0.1:0"], ["worker"]):
        started = _mercator(command, env)
        assert started.returncode == 1, (command, started.stdout, started.stderr)
        assert "webhook_secret:sandbox" in started.stderr
    empty = _mercator(["serve"], {**production_env, "MERCATOR_SANDBOX_GATEWAY_SECRET": ""})
    assert empty.returncode == 1 and "webhook_secret:sandbox" in empty.stderr
    wsgi = subprocess.run(
        [sys.executable, "-c", "import mercator.wsgi"], env=env, capture_output=True, text=True
    )
    assert wsgi.returncode == 1 and "webhook_secret:sandbox" in wsgi.stderr


def test_check_deploy_reports_every_unsafe_setting(production_env):
    env = {
        **production_env,
        "MERCATOR_SANDBOX_PAYMENTS": "1",
        "MERCATOR_SANDBOX_GATEWAY_SECRET": "",
        "SECRET_KEY": "short",
        "MERCATOR_BASE_URL": "http://127.0.0.1:8000",
    }
    report = _mercator(["check", "--deploy"], env)
    assert report.returncode == 1, report.stdout + report.stderr
    for code in (
        "secret_key",
        "webhook_secret:sandbox",
        "sandbox_on",
        "base_url",
        "secure_cookies",
        "hsts",
    ):
        assert f"[{code}]" in report.stdout, (code, report.stdout)


def test_check_deploy_is_clean_when_everything_is_set(production_env):
    env = {
        **production_env,
        "SECRET_KEY": "k" * 20 + "-a-long-production-secret-key-0123456789",
        "MERCATOR_SANDBOX_GATEWAY_SECRET": "a-real-random-webhook-secret-abcdef",
        "MERCATOR_BASE_URL": "https://mercator.example.com",
        "SECURE_COOKIES": "1",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_SSL_REDIRECT": "1",
        "ALLOWED_HOSTS": "mercator.example.com",
    }
    report = _mercator(["check", "--deploy"], env)
    assert "0 unsafe setting(s)" in report.stdout, report.stdout + report.stderr
    assert report.returncode == 0, report.stdout + report.stderr


def test_make_run_turns_the_sandbox_on_explicitly():
    makefile = (ROOT / "Makefile").read_text()
    assert "run: export MERCATOR_SANDBOX_PAYMENTS := 1" in makefile
