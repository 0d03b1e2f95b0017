"""Reads of the catalog: the seller's own catalog (scoped to ``actor.company``) and the
public market that buyers and guests browse.

Who sees what
-------------
- A seller's products, SKUs, listings and imports are read only by members of that
  seller; another company's id answers 404 (``NotFound``), never 403.
- The public market shows *active* listings of *verified* sellers only. An unverified
  seller may prepare its whole catalog (and sees it under "my catalog"), but buyers see
  none of it until the platform has verified the company: verified companies trade,
  unverified ones browse.
- Nothing here reads a price: prices are per buyer and come from the pricing app's quote.

Search
------
``Product.search_text`` is the lower-cased concatenation of the Chinese and English names,
grade, category names (zh + en, with the parents) and SKU codes, kept by the services.
Every whitespace-separated query term must occur in it (``icontains``), which works the
same on SQLite and PostgreSQL and needs no Chinese tokenizer: "白砂糖", "white sugar"
and "sugar" all find 一级白砂糖 / "Grade 1 white sugar".

Ranking (多快好省, DOMAIN.md §6)
-------------------------------
A market lists the virtues its buyers value, most valued first; the ranking applies each
virtue's ordering in that order, then newest first. Prices are confidential per buyer,
so no virtue ranks by price:

- faster (快): shortest ``lead_days`` first;
- more (多): sellers with the largest assortment (active listings) first, then most stock;
- better (好): best grade first (特级/优级 < 一级 < 二级 < 三级 < other), then verified
  sellers first;
- cheaper (省): most stock first (bulk buyers get volume), then newest.

Without a market (a search across markets) listings come newest first.

Before all of these, the seller's grade (seed §10, 特权): listings of sellers whose grade
in the listing's market has a higher ``ranking_boost`` come first. Grades live in
membership (above catalog), which provides the boost as a subquery on the standing of
(seller, market) through ``catalog.grades``; the ranking stays one statement.
"""

import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from mercator.catalog import grades
from mercator.catalog.models import Category, ImportJob, Listing, Market, Product, Sku, Virtue
from mercator.companies.models import Company
from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.ids import parse_public_id

SELLER_KINDS = (Company.Kind.SELLER, Company.Kind.BOTH)


def _uuid_or_404(value: object) -> uuid.UUID:
    parsed = parse_public_id(value)
    if parsed is None:
        raise NotFound()
    return parsed


# ------------------------------------------------------------------ markets, categories


def markets_all() -> QuerySet[Market]:
    """Markets are public: every visitor may see which markets exist."""
    return Market.objects.all()


def market_get(value: object) -> Market:
    """A market by public id or by code (``sugar``)."""
    parsed = parse_public_id(value)
    query = Q(public_id=parsed) if parsed else Q(code=str(value or ""))
    market = Market.objects.filter(query).first()
    if market is None:
        raise NotFound()
    return market


def categories_all(*, market: Market | None = None) -> QuerySet[Category]:
    qs = Category.objects.select_related("market", "parent")
    return qs.filter(market=market) if market is not None else qs


def category_get(value: object) -> Category:
    """A category by public id or by code."""
    parsed = parse_public_id(value)
    query = Q(public_id=parsed) if parsed else Q(code=str(value or ""))
    category = Category.objects.select_related("market", "parent").filter(query).first()
    if category is None:
        raise NotFound()
    return category


def category_descendant_ids(category: Category) -> list[int]:
    """The category and all its children, grandchildren... (categories are few)."""
    ids = [category.pk]
    frontier = [category.pk]
    while frontier:
        frontier = list(
            Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        frontier = [pk for pk in frontier if pk not in ids]  # a cycle never loops forever
        ids.extend(frontier)
    return ids


def category_path_names(category: Category) -> list[str]:
    """Names (zh and en) of the category and its parents, for the search text."""
    names: list[str] = []
    seen: set[int] = set()
    node: Category | None = category
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        names.extend(n for n in (node.name, node.name_en) if n)
        node = node.parent
    return names


# --------------------------------------------------------------------- seller's catalog


def _own_company(actor: Actor) -> Company:
    return actor.require_company()


def products_of(actor: Actor, *, q: str = "") -> QuerySet[Product]:
    company = _own_company(actor)
    qs = (
        Product.objects.filter(seller=company)
        .select_related("category__market")
        .annotate(sku_count=Count("skus", distinct=True))
    )
    for term in search_terms(q):
        qs = qs.filter(search_text__icontains=term)
    return qs.order_by("name", "pk")


def product_get(actor: Actor, product_id: object) -> Product:
    company = _own_company(actor)
    product = (
        Product.objects.select_related("category__market", "seller")
        .filter(seller=company, public_id=_uuid_or_404(product_id))
        .first()
    )
    if product is None:
        raise NotFound()
    return product


def skus_of(actor: Actor, *, product: Product | None = None) -> QuerySet[Sku]:
    company = _own_company(actor)
    qs = Sku.objects.filter(seller=company).select_related("product__category")
    if product is not None:
        qs = qs.filter(product=product)
    return qs.order_by("code", "pk")


def sku_get(actor: Actor, sku_id: object) -> Sku:
    company = _own_company(actor)
    sku = (
        Sku.objects.select_related("product__category__market", "seller")
        .filter(seller=company, public_id=_uuid_or_404(sku_id))
        .first()
    )
    if sku is None:
        raise NotFound()
    return sku


def listings_of(actor: Actor, *, status: str = "") -> QuerySet[Listing]:
    company = _own_company(actor)
    qs = Listing.objects.filter(seller=company).select_related(
        "sku__product__category", "market", "seller"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def listing_get_own(actor: Actor, listing_id: object) -> Listing:
    company = _own_company(actor)
    listing = (
        Listing.objects.select_related("sku__product__category", "market", "seller")
        .filter(seller=company, public_id=_uuid_or_404(listing_id))
        .first()
    )
    if listing is None:
        raise NotFound()
    return listing


def import_job_get(actor: Actor, job_id: object) -> ImportJob:
    company = _own_company(actor)
    job = (
        ImportJob.objects.defer("content")
        .filter(company=company, public_id=_uuid_or_404(job_id))
        .first()
    )
    if job is None:
        raise NotFound()
    return job


def import_jobs_of(actor: Actor) -> QuerySet[ImportJob]:
    return ImportJob.objects.defer("content").filter(company=_own_company(actor))


# ----------------------------------------------------------------------- public market


def search_terms(q: str | None) -> list[str]:
    """Whitespace-separated, lower-cased terms (full-width spaces count too)."""
    return [t for t in (q or "").replace("\u3000", " ").lower().split() if t][:10]


def _public_base() -> QuerySet[Listing]:
    """Active listings of verified sellers of seller kind: what buyers may see."""
    return Listing.objects.filter(
        status=Listing.Status.ACTIVE,
        seller__verification_status=Company.Verification.VERIFIED,
        seller__kind__in=SELLER_KINDS,
    ).select_related("sku__product__category", "market", "seller")


GRADE_RANKS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("特级", "优级", "premium"), 0),
    (("一级", "grade 1", "first"), 1),
    (("二级", "grade 2", "second"), 2),
    (("三级", "grade 3", "third"), 3),
)


def _grade_rank() -> Case:
    whens = [
        When(_any_icontains("sku__product__grade", words), then=Value(r))
        for words, r in GRADE_RANKS
    ]
    return Case(*whens, default=Value(9), output_field=IntegerField())


def _any_icontains(field: str, words: Iterable[str]) -> Q:
    query = Q()
    for word in words:
        query |= Q(**{f"{field}__icontains": word})
    return query


def _virtue_ordering(virtue: str) -> list[str]:
    return {
        Virtue.FASTER: ["lead_days"],
        Virtue.MORE: ["-assortment", "-stock"],
        Virtue.BETTER: ["grade_rank", "-seller_verified"],
        Virtue.CHEAPER: ["-stock", "-created_at"],
    }.get(virtue, [])


def ranking_for(market: Market | None) -> list[str]:
    """The ORDER BY of a market's ranking (see the module docstring)."""
    order: list[str] = []
    for virtue in (market.favours if market is not None else []) or []:
        for key in _virtue_ordering(virtue):
            if key not in order and key.lstrip("-") not in {k.lstrip("-") for k in order}:
                order.append(key)
    for key in ("-created_at", "-pk"):
        if key.lstrip("-") not in {k.lstrip("-") for k in order}:
            order.append(key)
    return order


def listings_public(
    *,
    q: str = "",
    market: object = None,
    category: object = None,
    grade: str = "",
    province: str = "",
    seller_type: str = "",
) -> QuerySet[Listing]:
    """The public market with its filters, ranked for the market asked for. An unknown
    market or category answers 404; an unknown seller type is ignored."""
    qs = _public_base()
    market_obj = market_get(market) if market else None
    category_obj = category_get(category) if category else None
    if market_obj is None and category_obj is not None:
        market_obj = category_obj.market  # a category implies its market's ranking
    if market_obj is not None:
        qs = qs.filter(market=market_obj)
    if category_obj is not None:
        qs = qs.filter(sku__product__category_id__in=category_descendant_ids(category_obj))
    for term in search_terms(q):
        qs = qs.filter(sku__product__search_text__icontains=term)
    if grade.strip():
        qs = qs.filter(sku__product__grade__icontains=grade.strip())
    if province.strip():
        qs = qs.filter(province=province.strip())
    if seller_type == "self":
        qs = qs.filter(seller__is_platform=True)
    elif seller_type == "third_party":
        qs = qs.filter(seller__is_platform=False)
    order = ranking_for(market_obj)
    keys = {k.lstrip("-") for k in order}
    annotations: dict[str, Any] = {}
    provider = grades.provider()
    if provider is not None and provider.boost_in_use(market_obj.pk if market_obj else None):
        annotations["seller_boost"] = provider.boost()
        order = ["-seller_boost", *order]
    if "assortment" in keys:
        per_seller = (
            Listing.objects.filter(seller=OuterRef("seller"), status=Listing.Status.ACTIVE)
            .order_by()
            .values("seller")
            .annotate(n=Count("pk"))
            .values("n")
        )
        annotations["assortment"] = Coalesce(Subquery(per_seller), Value(0))
    if "grade_rank" in keys:
        annotations["grade_rank"] = _grade_rank()
    if "seller_verified" in keys:
        annotations["seller_verified"] = Case(
            When(seller__verification_status=Company.Verification.VERIFIED, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return qs.annotate(**annotations).order_by(*order)


def with_seller_grades(listings: QuerySet[Listing]) -> QuerySet[Listing]:
    """The listings with their seller's grade in the listing's market as annotations
    (``seller_grade_code``, ``_name``, ``_name_en``, ``_colour``, ``_rank``; NULL without
    a grade), for the API: still one statement."""
    provider = grades.provider()
    return listings.annotate(**provider.grade_fields()) if provider is not None else listings


def seller_badges(listings: Iterable[Listing], market_id: int | None = None) -> dict[int, Any]:
    """The badge of each listing's seller (by seller id), one statement for the page: in
    ``market_id``, or without one each seller's badge in its listings' market when they
    share one, else its highest."""
    provider = grades.provider()
    rows = list(listings)
    if provider is None or not rows:
        return {}
    if market_id is None:
        markets = {row.market_id for row in rows}
        market_id = markets.pop() if len(markets) == 1 else None
    return provider.badges({row.seller_id for row in rows}, market_id)


def listing_get_public(listing_id: object) -> Listing:
    listing = with_seller_grades(_public_base()).filter(public_id=_uuid_or_404(listing_id)).first()
    if listing is None:
        raise NotFound()
    return listing


def listing_visible(actor: Actor, listing_id: object) -> Listing:
    """A public listing, or the actor's own listing (paused or not yet verified)."""
    parsed = _uuid_or_404(listing_id)
    listing = _public_base().filter(public_id=parsed).first()
    if listing is None and actor.is_authenticated and actor.company is not None:
        listing = (
            Listing.objects.select_related("sku__product__category", "market", "seller")
            .filter(seller=actor.company, public_id=parsed)
            .first()
        )
    if listing is None:
        raise NotFound()
    return listing


def public_provinces() -> list[str]:
    return sorted(
        set(_public_base().exclude(province="").values_list("province", flat=True).distinct())
    )
