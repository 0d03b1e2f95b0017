"""The seller's grade as the market shows it (seed §10: the grade is visible, and a higher
grade ranks first). Grades live in ``membership``, above catalog in the dependency order,
so catalog never imports them: membership registers a provider at start-up
(``membership.privileges.register_catalog_provider``) and catalog asks through it.
Without a provider there is no boost and no badge."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GradeProvider:
    # Expressions over a Listing row (its seller and market, as OuterRef): the seller's
    # ranking boost (0 without a grade), and its grade's code, name, English name, colour
    # and rank (NULL without a grade).
    boost: Callable[[], Any]
    # Whether ordering by the boost can change anything in a market (None: any market).
    boost_in_use: Callable[[int | None], bool]
    grade_fields: Callable[[], dict[str, Any]]
    # ``grade_badges(company_ids, market_id)``: one statement for a page's companies.
    badges: Callable[[Iterable[int], int | None], dict[int, Any]]


_provider: list[GradeProvider] = []


def register(provider: GradeProvider) -> None:
    _provider[:] = [provider]


def provider() -> GradeProvider | None:
    return _provider[0] if _provider else None
