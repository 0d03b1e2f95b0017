"""Reads for markets, targets, reps, visits, key persons and reasons, always through the
scope of ``fieldsales.selectors.scope`` (a foreign id is a 404), and the one ``can_*``
check per action that the services enforce and the pages use to show their buttons."""

from typing import Any

from django.db.models import Count, Q, QuerySet

from mercator.companies.models import Company, Membership
from mercator.companies.selectors.members import role_permissions
from mercator.core.actor import Actor
from mercator.core.errors import NotAuthenticated, NotFound
from mercator.fieldsales.models import (
    Assignment,
    KeyPerson,
    Reason,
    ReasonRecord,
    Rep,
    Target,
    TargetMarket,
    Visit,
)
from mercator.fieldsales.selectors.scope import (
    get_or_404,
    manages_reps,
    markets_visible_to,
    rep_of,
    reps_visible_to,
    targets_visible_to,
    visits_visible_to,
    works_fieldsales,
)

# ------------------------------------------------------------------------ who may act


def can_manage_markets(actor: Actor) -> bool:
    """Markets, imports, the reasons list: the platform's operators."""
    return actor.is_authenticated and actor.is_operator


def can_add_target(actor: Actor) -> bool:
    """By hand: an operator (unassigned) or a rep (the target is then his)."""
    return can_manage_markets(actor) or rep_of(actor) is not None


def can_assign(actor: Actor, target: Target) -> bool:
    """The operator assigns any target; a partner's manager moves the targets his reps
    hold between his own reps."""
    if not actor.is_authenticated:
        return False
    if actor.is_operator:
        return True
    return (
        manages_reps(actor)
        and target.rep_id is not None
        and target.rep.company_id == actor.company.pk
    )


def can_work(actor: Actor, target: Target) -> bool:
    """Visits, key persons, reasons, opening the account: the rep holding the target."""
    rep = rep_of(actor)
    return rep is not None and target.rep_id == rep.pk


def can_open_account(actor: Actor, target: Target) -> bool:
    return can_work(actor, target) and target.company_id is None


def can_register_reps(actor: Actor) -> bool:
    """The operator for any company; a field-team manager for his own members."""
    return actor.is_authenticated and (actor.is_operator or manages_reps(actor))


# ----------------------------------------------------------------------------- gets


def market_get(actor: Actor, market_id: object) -> TargetMarket:
    return get_or_404(markets_visible_to(actor), market_id)


def target_get(actor: Actor, target_id: object) -> Target:
    return get_or_404(targets_visible_to(actor), target_id)


def reps_with_counts(actor: Actor) -> QuerySet[Rep]:
    """The visible reps, each with the number of targets he holds (``n_targets``)."""
    return reps_visible_to(actor).annotate(n_targets=Count("targets"))


def reps_of_market(actor: Actor, market: TargetMarket) -> QuerySet[Rep]:
    """The visible reps holding targets in a market, each with how many (``n_targets``)."""
    return (
        reps_visible_to(actor).filter(targets__market=market).annotate(n_targets=Count("targets"))
    )


def rep_get(actor: Actor, rep_id: object) -> Rep:
    return get_or_404(reps_with_counts(actor), rep_id)


def visit_get(actor: Actor, visit_id: object) -> Visit:
    return get_or_404(visits_visible_to(actor), visit_id)


def reasons_visible_to(actor: Actor) -> QuerySet[Reason]:
    """The operator keeps the list (all of it); reps and managers pick from the active
    reasons; anyone else sees none."""
    if not actor.is_authenticated:
        raise NotAuthenticated()
    if actor.is_operator:
        return Reason.objects.all()
    if works_fieldsales(actor):
        return Reason.objects.filter(is_active=True)
    return Reason.objects.none()


def reason_get(actor: Actor, reason_id: object) -> Reason:
    return get_or_404(reasons_visible_to(actor), reason_id)


# --------------------------------------------------------------------------- lists


def markets_with_figures(actor: Actor) -> QuerySet[TargetMarket]:
    """The visible markets, each with the actor's visible targets counted: all, assigned,
    on the platform (a company matched or opened) and opened by a rep."""
    markets = markets_visible_to(actor)
    scope = targets_visible_to(actor)
    if scope.query.is_empty():
        return markets.none()
    within = Q(targets__in=scope.values("pk"))
    return markets.annotate(
        n_targets=Count("targets", filter=within),
        n_assigned=Count("targets", filter=within & Q(targets__rep__isnull=False)),
        n_company=Count("targets", filter=within & Q(targets__company__isnull=False)),
        n_opened=Count("targets", filter=within & Q(targets__match=Target.Match.OPENED)),
    )


def market_figures(actor: Actor, market: TargetMarket) -> dict[str, int]:
    rows = targets_visible_to(actor).filter(market=market)
    return rows.aggregate(
        targets=Count("pk"),
        assigned=Count("pk", filter=Q(rep__isnull=False)),
        on_platform=Count("pk", filter=Q(company__isnull=False)),
        opened=Count("pk", filter=Q(match=Target.Match.OPENED)),
        lost=Count("pk", filter=Q(reasons__lost=True), distinct=True),
    )


TARGET_STATES = ("unassigned", "assigned", "opened", "matched", "lost")


def targets_list(
    actor: Actor,
    *,
    market: TargetMarket | None = None,
    rep: Rep | None = None,
    state: str = "",
    q: str = "",
) -> QuerySet[Target]:
    rows = targets_visible_to(actor)
    if market is not None:
        rows = rows.filter(market=market)
    if rep is not None:
        rows = rows.filter(rep=rep)
    if state == "unassigned":
        rows = rows.filter(rep__isnull=True)
    elif state == "assigned":
        rows = rows.filter(rep__isnull=False, company__isnull=True)
    elif state == "opened":
        rows = rows.filter(match=Target.Match.OPENED)
    elif state == "matched":
        rows = rows.filter(company__isnull=False).exclude(match=Target.Match.OPENED)
    elif state == "lost":
        rows = rows.filter(pk__in=ReasonRecord.objects.filter(lost=True).values("target_id"))
    q = (q or "").strip()[:100]
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(credit_code__iexact=q) | Q(city__icontains=q))
    return rows


def assignments_of(target: Target) -> QuerySet[Assignment]:
    """A target's assignment history (the target came from ``target_get``: scoped)."""
    return Assignment.objects.filter(target=target).select_related("rep", "by__person")


def key_persons_of(target: Target) -> list[KeyPerson]:
    return list(KeyPerson.objects.filter(target=target).order_by("rank"))


def visits_of(actor: Actor, target: Target) -> QuerySet[Visit]:
    return visits_visible_to(actor).filter(target=target)


def reason_records_of(target: Target) -> QuerySet[ReasonRecord]:
    """The reasons recorded on a visible target (``target_get``), whoever recorded them:
    the rep who holds it now reads why it stalled before him."""
    return ReasonRecord.objects.filter(target=target).select_related("reason", "rep")


def is_lost(target: Target) -> bool:
    return ReasonRecord.objects.filter(target=target, lost=True).exists()


def assignable_reps(actor: Actor) -> QuerySet[Rep]:
    """The active reps the actor may assign targets to."""
    rows = reps_visible_to(actor).filter(is_active=True)
    if actor.is_operator:
        return rows
    if manages_reps(actor):
        return rows.filter(company=actor.company)
    return rows.none()


def members_for_reps(actor: Actor) -> QuerySet[Membership]:
    """A manager's own active members who are not reps yet (the operator names a member of
    any company by e-mail instead)."""
    if not manages_reps(actor):
        return Membership.objects.none()
    taken = Rep.objects.filter(company=actor.company).values("membership_id")
    return (
        Membership.objects.filter(company=actor.company, is_active=True)
        .exclude(pk__in=taken)
        .select_related("person")
        .order_by("person__display_name", "pk")
    )


def membership_for_rep(actor: Actor, *, membership_id: object = None, email: str = "") -> Any:
    """The seat a new rep is made for: by id (a manager: his own company's; the operator:
    any), or by e-mail (the operator: a person with exactly one active seat, else the
    ``company`` must be named). None when not found (the caller answers 404)."""
    rows = Membership.objects.filter(is_active=True).select_related("person", "company")
    if not actor.is_operator:
        rows = rows.filter(company=actor.company) if manages_reps(actor) else rows.none()
    if membership_id:
        return get_or_404(rows, membership_id)
    email = (email or "").strip()
    if not email:
        raise NotFound()
    found = list(rows.filter(person__email__iexact=email)[:2])
    if len(found) != 1:
        raise NotFound()
    return found[0]


def seat_can_work(membership: Membership) -> bool:
    return "fieldsales.work" in role_permissions(membership.company, membership.role)


# --------------------------------------------------------------------------- matching


def company_matching(credit_code: str, name: str) -> tuple[Company | None, str]:
    """A company already on the platform: by credit code first (only verified companies
    carry one), then by legal name (case and surrounding spaces ignored)."""
    if credit_code:
        found = Company.objects.filter(credit_code=credit_code).first()
        if found is not None:
            return found, Target.Match.CREDIT_CODE
    if name:
        found = Company.objects.filter(legal_name__iexact=name.strip()).order_by("pk").first()
        if found is not None:
            return found, Target.Match.NAME
    return None, Target.Match.NONE


def target_matching(
    market: TargetMarket, credit_code: str, name: str, company: Company | None = None
) -> tuple[Target | None, str]:
    """The market's target this one duplicates: the same credit code, else the same name,
    else the same platform company."""
    rows = Target.objects.filter(market=market)
    if credit_code:
        found = rows.filter(credit_code=credit_code).first()
        if found is not None:
            return found, "credit_code"
    found = rows.filter(name__iexact=name.strip()).first() if name else None
    if found is not None:
        return found, "name"
    if company is not None:
        found = rows.filter(company=company).first()
        if found is not None:
            return found, "company"
    return None, ""
