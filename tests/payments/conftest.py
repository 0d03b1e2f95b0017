"""Payments test helpers, shared by every test in tests/payments (and importable from
elsewhere): the trading ``world`` (a sugar mill selling, a food factory buying, an
outsider), money put into a wallet through the ledger, payment intents, and webhook
deliveries signed exactly as the sandbox gateway signs them."""

import json
import secrets
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from mercator.companies.models import Company
from mercator.payments.models import AccountKind, LedgerAccount, LedgerTransaction, PaymentIntent
from mercator.payments.selectors.ledger import ledger_problems
from mercator.payments.services.gateway import sandbox_sign
from mercator.payments.services.intents import intent_create
from mercator.payments.services.ledger import Leg, account_for, ledger_post
from tests.trading.conftest import World, world  # noqa: F401

WEBHOOK_URL = "/api/v1/payments/webhooks/sandbox"


def order_ref() -> str:
    """A reference of an order that does not exist (trading's receiver ignores it)."""
    return f"order:{uuid.uuid4()}"


def balance(
    company: Company | None, kind: str = AccountKind.WALLET, currency: str = "CNY"
) -> Decimal:
    """The balance of an account (0 when it was never opened), read from the database."""
    if kind in (AccountKind.ESCROW, AccountKind.FEE_REVENUE) or company is None:
        account = LedgerAccount.objects.filter(
            company__isnull=True, kind=kind, currency=currency
        ).first()
    else:
        account = LedgerAccount.objects.filter(
            company=company, kind=kind, currency=currency
        ).first()
    return account.balance if account is not None else Decimal("0.00")


def fund_wallet(
    company: Company, amount: Decimal | str, currency: str = "CNY"
) -> LedgerTransaction:
    """Put money in ``company``'s wallet as a bank deposit: bank clearing −X, wallet +X."""
    value = Decimal(str(amount))
    with transaction.atomic():
        wallet = account_for(company=company, kind=AccountKind.WALLET, currency=currency)
        bank = account_for(company=None, kind=AccountKind.BANK_CLEARING, currency=currency)
        txn, _created = ledger_post(
            kind=LedgerTransaction.Kind.DEPOSIT,
            reference=f"company:{company.public_id}",
            legs=[Leg(account=bank, amount=-value), Leg(account=wallet, amount=value)],
            memo="test deposit",
        )
    return txn


def make_intent(
    w: World,
    *,
    method: str = PaymentIntent.Method.GATEWAY,
    amount: Decimal | str = "1000.00",
    reference: str | None = None,
    purpose: str = PaymentIntent.Purpose.ORDER,
    currency: str = "CNY",
) -> PaymentIntent:
    """The food factory's boss starts paying the mill (a random order by default)."""
    return intent_create(
        actor=w.actor(w.food_boss),
        payee=w.mill,
        purpose=purpose,
        reference=reference or order_ref(),
        amount=Decimal(str(amount)),
        currency=currency,
        method=method,
    )


def gateway_event(
    intent: PaymentIntent,
    *,
    kind: str = "charge.succeeded",
    event_id: str | None = None,
    amount: str | None = None,
    currency: str | None = None,
) -> bytes:
    """The JSON body a gateway sends for ``intent``."""
    event: dict[str, Any] = {
        "id": event_id or f"evt_{secrets.token_hex(8)}",
        "type": kind,
        "created": 0,
        "data": {
            "intent": str(intent.public_id),
            "charge": f"ch_{secrets.token_hex(8)}",
            "amount": amount if amount is not None else str(intent.amount),
            "currency": currency or intent.currency,
        },
    }
    return json.dumps(event).encode()


def deliver(
    body: bytes,
    *,
    signature: str | None = None,
    at: int | None = None,
    client: Client | None = None,
) -> Any:
    """POST ``body`` to the sandbox webhook as the gateway would (signed unless a
    ``signature`` is given)."""
    client = client or Client(enforce_csrf_checks=True)
    header = signature if signature is not None else sandbox_sign(body, at)
    return client.post(
        WEBHOOK_URL, data=body, content_type="application/json", HTTP_MERCATOR_SIGNATURE=header
    )


def assert_ledger_sound() -> None:
    assert ledger_problems() == []


@pytest.fixture
def operator_client(db) -> Client:
    """A signed-in platform operator (staff, no company)."""
    from tests.factories import PASSWORD, UserFactory

    ops = UserFactory(is_staff=True)
    client = Client()
    assert client.login(username=ops.email, password=PASSWORD)
    return client
