"""Demo of how the field-sales customers really order (the three guns, issue 14), after
``build_fieldsales``: the reps' follow-up visits in the last two weeks; 五象罐头 orders
what its rep pushed (推单: manual); 绿城饮料 orders by itself a few days after its rep's
visit (semi-automatic); 漓江豆制品 has a standing order (定期订单) that placed its order
without anyone (fully automatic); an open push waits for 桂林米粉; and the customers'
bosses have used the platform on some days of the last month (penetration by seats).
Everything goes through the services; running it again adds nothing."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from mercator.catalog.models import Listing
from mercator.companies.models import ActivityDay, ActivityEvent
from mercator.companies.services.activity import activity_record
from mercator.core.actor import Actor
from mercator.demo.activity import DEMO_REF, _history
from mercator.demo.clock import demo_clock
from mercator.demo.fieldsales import MARKET, SUGAR, _buy, _day, _Opened, _seat_actor
from mercator.fieldsales.models import Push, Target
from mercator.fieldsales.services.pushes import push_accept, push_create
from mercator.fieldsales.services.visits import visit_create
from mercator.trading.services import order_pay
from mercator.trading.services.standing import standing_order_create, standing_order_run

CUSTOMERS = ("nanning-tianmi", "lvcheng-drinks", "wuxiang-cans", "guilin-rice-noodles",
             "guilin-sanhua", "lijiang-tofu")  # fmt: skip
PUSHED = "wuxiang-cans"
WAITING = "guilin-rice-noodles"
SEMI = "lvcheng-drinks"
STANDING = "lijiang-tofu"


def _target(slug: str) -> Target | None:
    return (
        Target.objects.select_related("rep__membership", "company")
        .filter(market__name=MARKET, company__memberships__person__email=f"boss@{slug}.demo")
        .first()
    )


def _rep_actor(target: Target) -> Actor | None:
    return _seat_actor(target.rep.membership.person.email) if target.rep else None


def build_fieldsales_channels() -> None:
    if Push.objects.filter(target__market__name=MARKET).exists():
        return
    listing = Listing.objects.filter(sku__code=SUGAR, status=Listing.Status.ACTIVE).first()
    targets = {slug: _target(slug) for slug in CUSTOMERS}
    bosses = {slug: _seat_actor(f"boss@{slug}.demo") for slug in CUSTOMERS}
    if listing is None or None in targets.values() or None in bosses.values():
        return  # build_fieldsales did not run
    # Follow-up visits to every customer in the last two weeks.
    for i, slug in enumerate(CUSTOMERS):
        target = targets[slug]
        rep = _rep_actor(target)
        if rep is None:
            continue
        with demo_clock(_day(13 - 2 * i, 10)):
            visit_create(
                actor=rep,
                target_id=target.public_id,
                visited_on=timezone.localdate(),
                met="老板",
                outcome="ordered" if slug != WAITING else "positive",
                summary="回访：到货和结算都顺利，问下个月的用量。",
                next_step="下月初再回访",
                next_on=timezone.localdate() + timedelta(days=30),
            )
    # 推单: the rep proposes 10 t to 五象罐头, its boss places and pays it.
    pushed = targets[PUSHED]
    with demo_clock(_day(5, 9)):
        push = push_create(
            actor=_rep_actor(pushed),
            target_id=pushed.public_id,
            listing_id=listing.public_id,
            quantity="10",
            note="下月糖价看涨，建议先备 10 吨。",
        )
    with demo_clock(_day(4, 10)):
        order = push_accept(actor=bosses[PUSHED], push_id=push.public_id)
        order_pay(actor=bosses[PUSHED], order_id=order.public_id, method="wallet")
    # An open push waiting for 桂林米粉's boss.
    waiting = targets[WAITING]
    with demo_clock(_day(1, 16)):
        push_create(
            actor=_rep_actor(waiting),
            target_id=waiting.public_id,
            listing_id=listing.public_id,
            quantity="10",
            note="米粉旺季前补一批糖。",
        )
    # 绿城饮料 orders by itself three days after its rep's follow-up visit.
    _buy(_Opened(targets[SEMI], bosses[SEMI], SEMI), listing, "10", 3, "回访后自己下的单")
    # 漓江豆制品's standing order: 10 t every 14 days, run by the worker 9 days ago.
    with demo_clock(_day(10, 15)):
        standing = standing_order_create(
            actor=bosses[STANDING],
            listing_id=listing.public_id,
            quantity="10",
            every_days=14,
            first_run_on=timezone.localdate() + timedelta(days=1),
            note="每两周自动补货",
        )
    with demo_clock(_day(9, 6)):
        placed = standing_order_run(standing_pk=standing.pk, today=timezone.localdate())
        if placed is not None:
            order_pay(actor=bosses[STANDING], order_id=placed.public_id, method="wallet")
    # The customers' bosses used the platform on some days of the last month.
    today = timezone.localdate()
    with transaction.atomic():
        for slug in CUSTOMERS:
            seat = bosses[slug].membership
            days, sign_ins = _history(seat, today)
            ActivityDay.objects.bulk_create(days, ignore_conflicts=True)
            for at in sign_ins:  # each active day began with a sign-in, as build_activity's
                activity_record(
                    membership=seat, kind=ActivityEvent.Kind.SIGN_IN, at=at, ref=DEMO_REF
                )
