"""A page source for the API's paginator over a scoped queryset: the paginator counts
and slices the queryset (a selector's answer), then each row of the slice is shaped.
The queryset is queried here, in the selectors' room, never by the API module."""

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


class Shaped(Generic[M]):
    """``Shaped(selectors.orders_list(actor), lambda o: order_out(actor, o))``."""

    def __init__(self, rows: QuerySet[M], shape: Callable[[M], dict[str, Any]]) -> None:
        self._rows, self._shape = rows, shape

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        return [self._shape(row) for row in self._rows[index]]

    def count(self) -> int:
        return self._rows.count()

    def __len__(self) -> int:
        return self.count()
