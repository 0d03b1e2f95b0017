"""One pagination for every API list: ``?limit=&offset=``, newest first by default.

Answers ``{"items": [...], "count": N, "limit": L, "offset": O}``; ``limit`` is capped at
100 so a list endpoint can never be asked for a whole table."""

from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.pagination import PaginationBase

MAX_LIMIT = 100


class LimitOffset(PaginationBase):
    class Input(Schema):
        limit: int = Field(
            20, ge=1, le=MAX_LIMIT, description="Number of items to return (at most 100)."
        )
        offset: int = Field(
            0, ge=0, le=10_000_000, description="Number of items to skip before the first one."
        )

    class Output(Schema):
        items: list[Any]
        count: int = Field(description="Number of items in the whole list, all pages together.")
        limit: int = Field(description="Number of items asked for in this page (at most 100).")
        offset: int = Field(description="Number of items skipped before this page.")

    items_attribute = "items"

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Input, **params: Any
    ) -> dict[str, Any]:
        offset, limit = pagination.offset, pagination.limit
        return {
            "items": queryset[offset : offset + limit],
            "count": self._items_count(queryset),
            "limit": limit,
            "offset": offset,
        }
