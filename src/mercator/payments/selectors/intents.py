"""Payment intents as their two parties see them: the payer and the payee see an intent,
nobody else does (404). Who in the company may look: anyone who pays, views payments or
handles the orders the intents are for."""

from django.db.models import Q, QuerySet

from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.ids import parse_public_id
from mercator.payments.models import PaymentIntent

READERS = (
    "payments.view",
    "payments.pay",
    "orders.place",
    "orders.view_all",
    "orders.fulfil",
)


def intents_visible_to(actor: Actor) -> QuerySet[PaymentIntent]:
    company = actor.company
    if company is None or not any(actor.can(p) for p in READERS):
        return PaymentIntent.objects.none()
    return (
        PaymentIntent.objects.filter(Q(payer=company) | Q(payee=company))
        .select_related("payer", "payee", "created_by__person")
        .order_by("-created_at", "-pk")
    )


def intents_for_reference(actor: Actor, reference: str) -> QuerySet[PaymentIntent]:
    """The intents for one document ("order:<id>") the actor may see, newest first."""
    return intents_visible_to(actor).filter(reference=reference)


def intent_get(actor: Actor, intent_id: object) -> PaymentIntent:
    wanted = parse_public_id(intent_id)
    found = intents_visible_to(actor).filter(public_id=wanted).first() if wanted else None
    if found is None:
        raise NotFound()
    return found


def paid_with_sandbox_money(reference: str) -> bool:
    """Whether any money applied to the document ``reference`` ("order:<id>") came
    through a sandbox: its payment, or a repayment of the receivable booked for it.
    Such money did not move; trading never counts the document as a real deal. (A fact
    for the system, not an actor's read: it names no company.)"""
    from mercator.payments.models import Receivable

    paid = PaymentIntent.objects.filter(status=PaymentIntent.Status.SUCCEEDED, sandbox=True)
    if paid.filter(reference=reference, purpose=PaymentIntent.Purpose.ORDER).exists():
        return True
    receivable = Receivable.objects.filter(reference=reference).only("public_id").first()
    if receivable is None:
        return False
    return paid.filter(
        Q(reference=receivable.ref) | Q(reference__startswith=f"{receivable.ref}/"),
        purpose=PaymentIntent.Purpose.REPAYMENT,
    ).exists()
