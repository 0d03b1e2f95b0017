"""Records owned by a member, and how they move to colleagues ("the clerk leaves, the
customer stays", DOMAIN.md §1).

Each app that keeps member-owned records registers an ``OwnedKind`` here (customers and
contacts are registered below; inquiries, quotes and orders add theirs from their own
``AppConfig.ready()``), so one reassignment moves everything a member owns.

A move is planned first (``plan_member`` / ``plan_customer``) and then applied
(``apply_plan``). The preview shows a plan; the apply recomputes the plan under locks
inside its transaction and refuses (409) when its fingerprint differs from the previewed
one, so what is applied is exactly what was shown.
"""

import hashlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import Contact, Customer, Membership, OwnershipChange
from mercator.core.actor import Actor
from mercator.core.errors import Conflict
from mercator.core.ids import reference

# The kind the others follow: its records are dealt round-robin over the targets, and
# every record whose customer is among them goes to that customer's new owner.
ANCHOR = "customer"
# SQLite limits the number of bound parameters of one statement.
CHUNK = 500


@dataclass(frozen=True)
class OwnedKind:
    """One kind of record a member owns.

    ``owned_by(membership)`` returns the queryset of records the membership owns;
    ``owner_field`` is the foreign key to ``Membership`` that a move rewrites;
    ``reference(record)`` its typed reference (``"customer:<public id>"``), which the
    ownership history keeps. A kind whose records belong to a customer gives
    ``customer_of(record) -> customer pk`` (or just ``customer_field``, the name of the
    foreign key to ``Customer``, which also lets a single customer's transfer filter in
    the database), so each record follows its customer to the same new owner."""

    code: str
    label: str | Promise
    owned_by: Callable[[Membership], QuerySet[Any]]
    reference: Callable[[Any], str]
    owner_field: str = "owner"
    customer_of: Callable[[Any], int | None] | None = None
    customer_field: str | None = None

    def __post_init__(self) -> None:
        if self.customer_field and self.customer_of is None:
            object.__setattr__(self, "customer_of", attrgetter(f"{self.customer_field}_id"))

    @property
    def follows_customer(self) -> bool:
        return self.customer_of is not None


_REGISTRY: dict[str, OwnedKind] = {}


def register(kind: OwnedKind) -> None:
    """Add (or replace, by code) a kind. Idempotent, so a repeated ``ready()`` is harmless."""
    _REGISTRY[kind.code] = kind


def kinds() -> list[OwnedKind]:
    """Every registered kind, the anchor (customers) first, then in registration order."""
    return sorted(_REGISTRY.values(), key=lambda kind: kind.code != ANCHOR)


def kind_get(code: str) -> OwnedKind:
    return _REGISTRY[code]


def register_builtin_kinds() -> None:
    """Customers and their contacts; contacts follow their customer."""
    register(
        OwnedKind(
            code=ANCHOR,
            label=_("客户"),
            owned_by=lambda m: Customer.objects.filter(company_id=m.company_id, owner=m),
            reference=lambda c: reference("customer", c.public_id),
        )
    )
    register(
        OwnedKind(
            code="contact",
            label=_("联系人"),
            owned_by=lambda m: Contact.objects.filter(company_id=m.company_id, owner=m),
            reference=lambda c: reference("contact", c.public_id),
            customer_field="customer",
        )
    )


# Registered when this module is first imported (services.customers imports it, and any
# later app importing it to register its own kinds), so the built-in kinds always come
# first and no AppConfig has to remember them.
register_builtin_kinds()


# ---------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class Move:
    kind: str
    pk: int
    ref: str
    target: Membership
    title: str = ""


@dataclass(frozen=True)
class KindCount:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class TargetShare:
    member: Membership
    counts: list[KindCount]
    total: int
    customers: list[str]


@dataclass(frozen=True)
class ReassignSummary:
    """What a plan moves, per kind and per target (the preview), and after an apply the
    batch id of its ownership-history rows."""

    source: Membership
    kinds: list[KindCount]
    total: int
    targets: list[TargetShare]
    fingerprint: str
    batch: uuid.UUID | None = None


@dataclass
class Plan:
    source: Membership
    targets: list[Membership]
    moves: list[Move] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """A digest of every (record, new owner) pair: equal plans, equal fingerprints."""
        lines = sorted(f"{m.kind}:{m.pk}>{m.target.public_id}" for m in self.moves)
        digest = hashlib.sha256()
        digest.update(f"{self.source.public_id}\n".encode())
        for line in lines:
            digest.update(line.encode() + b"\n")
        return digest.hexdigest()

    def summary(self, batch: uuid.UUID | None = None) -> ReassignSummary:
        registered = kinds()
        totals = dict.fromkeys((k.code for k in registered), 0)
        per_target: dict[int, dict[str, int]] = {
            t.pk: dict.fromkeys(totals, 0) for t in self.targets
        }
        names: dict[int, list[str]] = {t.pk: [] for t in self.targets}
        for move in self.moves:
            totals[move.kind] = totals.get(move.kind, 0) + 1
            per_target[move.target.pk][move.kind] = per_target[move.target.pk].get(move.kind, 0) + 1
            if move.kind == ANCHOR:
                names[move.target.pk].append(move.title)
        labels = {k.code: str(k.label) for k in registered}
        return ReassignSummary(
            source=self.source,
            kinds=[KindCount(code, labels.get(code, code), n) for code, n in totals.items()],
            total=len(self.moves),
            targets=[
                TargetShare(
                    member=t,
                    counts=[
                        KindCount(code, labels.get(code, code), n)
                        for code, n in per_target[t.pk].items()
                        if n
                    ],
                    total=sum(per_target[t.pk].values()),
                    customers=names[t.pk],
                )
                for t in self.targets
            ],
            fingerprint=self.fingerprint,
            batch=batch,
        )


def _records(queryset: QuerySet[Any], *, lock: bool) -> list[Any]:
    """Records in a stable order (pk), row-locked when asked (a no-op on SQLite, whose
    write transactions are IMMEDIATE and so already exclusive). Locks are always taken
    kind by kind (customers first) and in pk order, so movers cannot deadlock."""
    queryset = queryset.order_by("pk")
    if lock:
        queryset = lock_rows(queryset)
    return list(queryset)


def lock_rows(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """``FOR NO KEY UPDATE OF self``: the lock an update of non-key columns needs. Unlike
    ``FOR UPDATE`` it does not block the ``KEY SHARE`` locks that inserting rows which
    point at these (a new contact, a history row) take, so those cannot deadlock with a
    reassignment; two movers of the same rows still wait for each other."""
    if connection.features.has_select_for_update_of:
        return queryset.select_for_update(of=("self",), no_key=True)
    return queryset.select_for_update(no_key=True)


def plan_member(source: Membership, targets: Sequence[Membership], *, lock: bool = False) -> Plan:
    """Everything ``source`` owns, dealt over ``targets``: customers round-robin in pk
    order; a record that follows a customer being moved goes with it; any other record
    continues the round-robin. The same data always gives the same plan."""
    targets = list(targets)
    plan = Plan(source=source, targets=targets)
    if not targets:
        return plan
    anchor = kind_get(ANCHOR)
    new_owner_of_customer: dict[int, Membership] = {}
    for i, record in enumerate(_records(anchor.owned_by(source), lock=lock)):
        target = targets[i % len(targets)]
        new_owner_of_customer[record.pk] = target
        plan.moves.append(Move(ANCHOR, record.pk, anchor.reference(record), target, str(record)))
    cursor = len(new_owner_of_customer)
    for kind in kinds():
        if kind.code == ANCHOR:
            continue
        for record in _records(kind.owned_by(source), lock=lock):
            customer_pk = kind.customer_of(record) if kind.customer_of else None
            target = new_owner_of_customer.get(customer_pk) if customer_pk else None
            if target is None:
                target = targets[cursor % len(targets)]
                cursor += 1
            plan.moves.append(Move(kind.code, record.pk, kind.reference(record), target))
    return plan


def plan_customer(customer: Customer, target: Membership, *, lock: bool = False) -> Plan:
    """One customer and every record of its owner that follows it, all to ``target``."""
    source = customer.owner
    plan = Plan(source=source, targets=[target])
    anchor = kind_get(ANCHOR)
    for record in _records(anchor.owned_by(source).filter(pk=customer.pk), lock=lock):
        plan.moves.append(Move(ANCHOR, record.pk, anchor.reference(record), target, str(record)))
    if not plan.moves:
        return plan
    for kind in kinds():
        if kind.code == ANCHOR or not kind.follows_customer:
            continue
        owned = kind.owned_by(source)
        if kind.customer_field:
            owned = owned.filter(**{kind.customer_field: customer.pk})
        for record in _records(owned, lock=lock):
            if kind.customer_of(record) == customer.pk:
                plan.moves.append(Move(kind.code, record.pk, kind.reference(record), target))
    return plan


def _chunks(items: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def apply_plan(plan: Plan, *, actor: Actor) -> uuid.UUID:
    """Move the planned records and write one ownership-history row per record, under one
    batch id. Call inside the service's transaction. Each update is conditional on the
    owner still being the source: if any record changed hands since it was planned, the
    whole move is refused (409) and the transaction rolls back, so nothing is lost or
    half-moved."""
    batch = uuid.uuid4()
    groups: dict[tuple[str, int], list[Move]] = {}
    for move in plan.moves:
        groups.setdefault((move.kind, move.target.pk), []).append(move)
    for (code, _target_pk), moves in groups.items():
        kind = kind_get(code)
        model: type[Model] = kind.owned_by(plan.source).model
        target = moves[0].target
        for chunk in _chunks([m.pk for m in moves]):
            changed = model._default_manager.filter(
                pk__in=chunk, **{kind.owner_field: plan.source}
            ).update(**{kind.owner_field: target})
            if changed != len(chunk):
                raise Conflict(
                    _("有记录在此期间已被修改或移交，请重新预览。"),
                    code="plan_changed",
                    details={"kind": code},
                )
    now = timezone.now()
    rows = [
        OwnershipChange(
            company_id=plan.source.company_id,
            record=move.ref,
            from_owner=plan.source,
            to_owner=move.target,
            by=actor.person,
            at=now,
            batch=batch,
        )
        for move in plan.moves
    ]
    for row in rows:
        # The foreign keys come from rows just locked; validating them would cost four
        # queries per row, so only the plain fields are checked.
        row.full_clean(exclude=["company", "from_owner", "to_owner", "by"])
    OwnershipChange.objects.bulk_create(rows, batch_size=CHUNK)
    return batch
