"""Ratings and complaints after an order (issue 11).

- ``rating_create``: a side of a settled order rates the other once, on its side's
  dimensions (``models.ratings.DIMENSIONS_BY_SIDE``: the buyer rates the seller's quality,
  delivery and service; the seller rates the buyer's payment and service), 1–5 stars each,
  with an optional comment. A second rating of the same side is 409 ``already_rated``.
- ``rating_update``: the same side corrects it within 7 days; then it is final.
- ``complaint_create``: either party complains about a received or settled order; one
  open complaint per side at a time (409 ``complaint_open``).
- ``complaint_resolve``: an operator upholds or dismisses it with a note. No money moves:
  a complaint is not a dispute.

Points (pushed down to membership, which keeps its own record): a rating gives the ratee
``rating_received`` with value = average stars − 3 (so 5 stars earn, 1 star costs), under
``"rating:<public id>"``; a correction pushes the difference under ``":v<n>"``, so the sum
is always the last rating's. An upheld complaint gives the complained-of company
``complaint_upheld`` under ``"complaint:<public id>"``. ``points_award`` counts each
reference once, so a replay pushes nothing more."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from mercator.companies.models import Company, Membership
from mercator.companies.roles import Role
from mercator.companies.services.notifications import notify
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, NotFound, PermissionDenied
from mercator.core.ids import parse_public_id
from mercator.core.services import audit_record, validate
from mercator.core.texts import text as stored_text
from mercator.membership.services import points_award
from mercator.trading.models import Complaint, Dimension, Order, Rating
from mercator.trading.selectors import ratings as selectors
from mercator.trading.selectors.orders import order_get, order_market, order_side
from mercator.trading.services._common import invalid, text_of

MAX_COMMENT = 1000
MAX_COMPLAINT = 2000
MAX_NOTE = 1000
NEUTRAL = Decimal(3)


# --------------------------------------------------------------------------- helpers


def stars_of(side: str, stars: dict[str, object]) -> dict[str, int]:
    """Exactly the dimensions ``side`` rates, each a whole number of stars 1–5; anything
    else (an unknown or another side's dimension, a missing one, 0, 6, 4.5, "good") is 422
    and nothing is written."""
    wanted = selectors.dimensions_for(side)
    if not isinstance(stars, dict):
        raise invalid(_("请为每一项打分（1–5 星）。"), "invalid_stars")
    for name in stars:
        if name not in wanted:
            code = "dimension_not_rated" if name in Dimension.values else "unknown_dimension"
            raise invalid(
                _("此项不由贵方评价：%(name)s") % {"name": name}, code, str(name), allowed=wanted
            )
    result: dict[str, int] = {}
    for name in wanted:
        value = stars.get(name)
        if value is None or value == "":
            raise invalid(_("请为每一项打分（1–5 星）。"), "stars_required", name)
        if isinstance(value, bool):
            raise invalid(_("评分须为 1 到 5 的整数。"), "invalid_stars", name)
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and value.strip().isdigit():
            number = int(value.strip())
        else:
            raise invalid(_("评分须为 1 到 5 的整数。"), "invalid_stars", name)
        if not 1 <= number <= 5:
            raise invalid(_("评分须为 1 到 5 的整数。"), "invalid_stars", name)
        result[name] = number
    return result


def points_value(stars: dict[str, int]) -> Decimal:
    """Average stars − 3, two places: a 5-star rating is +2, a 1-star one −2."""
    average = Decimal(sum(stars.values())) / Decimal(len(stars))
    return (average - NEUTRAL).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _bosses(company: Company) -> list[Membership]:
    return list(
        Membership.objects.select_related("person").filter(
            company=company, role=Role.MASTER, is_active=True
        )
    )


def _tell(company: Company, *, kind: str, title: Any, order: Order) -> None:
    link = reverse("order-detail", args=[order.public_id])
    for member in _bosses(company):
        notify(person=member.person, company=company, kind=kind, title=title, link=link)


def _push_rating_points(rating: Rating, value: Decimal, ref: str) -> None:
    market = order_market(rating.order)
    if market is None or value == 0:
        return
    points_award(
        company=rating.ratee,
        market=market,
        reason="rating_received",
        value=value,
        ref=ref,
        at=rating.updated_at,
    )


def _order_for_party(actor: Actor, order_id: object) -> Order:
    """The order, if the actor's company is a party he may see it for (else 404)."""
    actor.require_company()
    return order_get(actor, order_id)


# --------------------------------------------------------------------------- ratings


def rating_create(
    *,
    actor: Actor,
    order_id: object,
    stars: dict[str, object],
    comment: str = "",
    at: Any = None,
) -> Rating:
    """His side rates the other side of a settled order, once. 404 for an order he may
    not see; 409 unless settled or when his side has rated (``already_rated``); 403
    without his side's permission; 422 for bad stars or an over-long comment. Pushes
    points to the ratee and tells the ratee's boss. ``at``: the moment (the demo's clock)."""
    order = _order_for_party(actor, order_id)
    side = order_side(actor, order)
    if refusal := selectors.rate_refusal(actor, order):
        raise refusal
    given = stars_of(side, stars)
    comment = text_of(comment, field="comment", required=False, limit=MAX_COMMENT)
    now = at or timezone.now()
    rating = Rating(
        order=order,
        side=side,
        rater=actor.company,
        ratee=order.seller if side == "buyer" else order.buyer,
        author=actor.membership,
        comment=comment,
        created_at=now,
        updated_at=now,
        **given,
    )
    validate(rating, exclude=["order", "rater", "ratee", "author"])
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a racing second rating is a 409
                rating.save()
        except IntegrityError:
            raise Conflict(_("贵方已评价过这张订单。"), code="already_rated") from None
        _push_rating_points(rating, points_value(given), f"rating:{rating.public_id}")
        audit_record(
            actor=actor,
            action="order.rate",
            target=order.ref,
            changes={"side": side, **given, "comment": bool(comment)},
        )
        _tell(
            rating.ratee,
            kind="order.rated",
            title=stored_text(gettext_noop("订单 %(number)s 的对方给了评价"), number=order.number),
            order=order,
        )
    return rating


def rating_update(
    *,
    actor: Actor,
    order_id: object,
    stars: dict[str, object],
    comment: str = "",
) -> Rating:
    """His side corrects its rating within 7 days (409 ``rating_final`` after). Points
    move by the difference, pushed under the rating's next version."""
    order = _order_for_party(actor, order_id)
    side = order_side(actor, order)
    rating = selectors.rating_by_side(order, side)
    if rating is None:
        raise NotFound()
    if not selectors.speaks_for_side(actor, order):
        raise PermissionDenied(_("您没有为本方评价订单的权限。"), code="cannot_rate")
    if not selectors.can_edit_rating(actor, rating):
        raise Conflict(_("评价已超过 7 天，不能再修改。"), code="rating_final")
    given = stars_of(side, stars)
    comment = text_of(comment, field="comment", required=False, limit=MAX_COMMENT)
    before = rating.stars()
    with transaction.atomic():
        locked = Rating.objects.select_for_update().get(pk=rating.pk)
        for name, value in given.items():
            setattr(locked, name, value)
        locked.comment = comment
        locked.version += 1
        locked.updated_at = timezone.now()
        validate(locked, exclude=["order", "rater", "ratee", "author"])
        locked.save()
        difference = points_value(given) - points_value(before)
        _push_rating_points(locked, difference, f"rating:{locked.public_id}:v{locked.version}")
        audit_record(
            actor=actor,
            action="order.rating_edit",
            target=order.ref,
            changes={"side": side, "before": before, "after": given, "comment": bool(comment)},
        )
    return locked


# ------------------------------------------------------------------------ complaints


def complaint_create(
    *, actor: Actor, order_id: object, category: str, text: str, at: Any = None
) -> Complaint:
    """A party complains about a received or settled order: a category and what happened.
    404 for an order he may not see; 409 for another state or while his side's last
    complaint is open (``complaint_open``); 403 without his side's permission; 422 for
    an unknown category or an empty text. The complained-of company's boss is told."""
    order = _order_for_party(actor, order_id)
    side = order_side(actor, order)
    if refusal := selectors.complain_refusal(actor, order):
        raise refusal
    if category not in Complaint.Category.values:
        raise invalid(
            _("请选择投诉类型。"),
            "invalid_category",
            "category",
            allowed=list(Complaint.Category.values),
        )
    body = text_of(text, field="text", required=True, limit=MAX_COMPLAINT)
    complaint = Complaint(
        order=order,
        side=side,
        complainant=actor.company,
        against=order.seller if side == "buyer" else order.buyer,
        author=actor.membership,
        category=category,
        text=body,
        created_at=at or timezone.now(),
    )
    validate(complaint, exclude=["order", "complainant", "against", "author"])
    with transaction.atomic():
        try:
            with transaction.atomic():
                complaint.save()
        except IntegrityError:
            raise Conflict(_("贵方对这张订单的投诉还在处理中。"), code="complaint_open") from None
        audit_record(
            actor=actor,
            action="order.complain",
            target=order.ref,
            changes={"side": side, "category": category, "complaint": str(complaint.public_id)},
        )
        _tell(
            complaint.against,
            kind="order.complaint",
            title=stored_text(
                gettext_noop("订单 %(number)s 收到对方投诉，平台将核实处理"), number=order.number
            ),
            order=order,
        )
    return complaint


DECISIONS = (Complaint.Status.UPHELD, Complaint.Status.DISMISSED)


def complaint_resolve(
    *, actor: Actor, complaint_id: object, decision: str, note: str, at: Any = None
) -> Complaint:
    """An operator decides an open complaint: ``upheld`` (the complained-of company loses
    points) or ``dismissed``, with a note both sides read. 404 for anyone else (the desk
    is not confirmed to exist); 409 once decided; 422 for another decision or no note."""
    if not actor.is_operator:
        raise NotFound()
    wanted = parse_public_id(complaint_id)
    found = (
        Complaint.objects.filter(public_id=wanted).values_list("pk", flat=True).first()
        if wanted
        else None
    )
    if found is None:
        raise NotFound()
    if decision not in DECISIONS:
        raise invalid(
            _("请选择处理结果：投诉属实或投诉不成立。"),
            "invalid_decision",
            "decision",
            allowed=list(DECISIONS),
        )
    note = text_of(note, field="note", required=True, limit=MAX_NOTE)
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update()
            .select_related("order", "complainant", "against")
            .get(pk=found)
        )
        if not complaint.is_open:
            raise Conflict(
                _("这条投诉已处理：%(status)s") % {"status": complaint.get_status_display()},
                code="complaint_closed",
                details={"status": complaint.status},
            )
        complaint.status = decision
        complaint.resolution_note = note
        complaint.resolved_at = at or timezone.now()
        complaint.resolved_by = actor.person
        validate(complaint, exclude=["order", "complainant", "against", "author", "resolved_by"])
        complaint.save()
        order = complaint.order
        if decision == Complaint.Status.UPHELD:
            market = order_market(order)
            if market is not None:
                points_award(
                    company=complaint.against,
                    market=market,
                    reason="complaint_upheld",
                    value=Decimal(1),
                    ref=f"complaint:{complaint.public_id}",
                    at=complaint.resolved_at,
                )
        audit_record(
            actor=actor,
            action="order.complaint_resolve",
            target=order.ref,
            changes={"complaint": str(complaint.public_id), "decision": decision},
        )
        title = (
            gettext_noop("订单 %(number)s 的投诉经平台核实属实")
            if decision == Complaint.Status.UPHELD
            else gettext_noop("订单 %(number)s 的投诉经平台核实不成立")
        )
        for company in (complaint.complainant, complaint.against):
            _tell(
                company,
                kind="order.complaint_resolved",
                title=stored_text(title, number=order.number),
                order=order,
            )
    return complaint
