"""Exact decimal arithmetic on the database's rows, on SQLite as on PostgreSQL.

SQLite has no decimal type: a ``DecimalField`` column stores REALs, and ``F("x") + d``
in an UPDATE adds binary floats (0.1 + 0.2 is not 0.3 there; past 15 significant digits
the cents are gone). So money and stock never change by SQL arithmetic. ``add_exact``
reads the row under its lock (``select_for_update`` on PostgreSQL; on SQLite the write
transaction holds the database's write lock from ``BEGIN IMMEDIATE`` on), computes the
new value in Python ``Decimal``, and writes it with a conditional UPDATE that repeats
the guard (``WHERE x >= n``), so a race still cannot push a value past its bound.

SQLite keeps at most 15 significant digits of a number: a value that needs more is
refused (422 ``out_of_range``) rather than silently rounded. PostgreSQL's numeric is
exact, and there ``exact_sum`` lets the database add; on SQLite it adds in Python.
"""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from mercator.core.errors import ValidationFailed

SQLITE_DIGITS = 15


def _exp(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def storable(value: Decimal, *, field: str) -> Decimal:
    """``value`` when the database keeps it exactly; 422 ``out_of_range`` otherwise."""
    if connection.vendor == "sqlite" and value != 0:
        digits = len(value.normalize().as_tuple().digits)
        if digits > SQLITE_DIGITS:
            raise ValidationFailed(
                _("数值过大，超出数据库能精确保存的范围。"),
                code="out_of_range",
                details={"field": field},
            )
    return value


def add_exact(
    model: type[Model],
    *,
    pk: int,
    field: str,
    delta: Decimal,
    places: int,
    minimum: Decimal | None = None,
    ceiling_field: str | None = None,
    where: Q | None = None,
    also: dict[str, Any] | None = None,
) -> bool:
    """``field += delta`` on row ``pk`` when ``where`` holds, the result is at least
    ``minimum`` and at most the row's ``ceiling_field``. Returns whether the row
    changed (False: no such row, or a bound would be passed). ``also``: other columns
    to set in the same UPDATE."""
    where = where if where is not None else Q()
    with transaction.atomic():
        columns = [field] + ([ceiling_field] if ceiling_field else [])
        row = model.objects.select_for_update().filter(where, pk=pk).values(*columns).first()
        if row is None:
            return False
        new = (Decimal(row[field]) + delta).quantize(_exp(places))
        if minimum is not None and new < minimum:
            return False
        if ceiling_field and new > row[ceiling_field]:
            return False
        storable(new, field=field)
        guard = Q()
        if minimum is not None:
            guard &= Q(**{f"{field}__gte": minimum - delta})
        if ceiling_field:
            guard &= Q(**{f"{ceiling_field}__gte": new})
        changed = model.objects.filter(where, guard, pk=pk).update(**{field: new}, **(also or {}))
    return bool(changed)


def exact_sum(queryset: QuerySet, field: str, *, places: int = 2) -> Decimal:
    """The sum of ``field`` over ``queryset``, exact (0 when empty)."""
    if connection.vendor == "sqlite":
        total = sum(
            (Decimal(v) for v in queryset.values_list(field, flat=True).iterator()), Decimal(0)
        )
    else:
        total = queryset.aggregate(total=Sum(field))["total"] or Decimal(0)
    return Decimal(total).quantize(_exp(places))


def exact_sums(
    queryset: QuerySet, group: tuple[str, ...], field: str, *, places: int = 2
) -> dict[tuple[Any, ...], Decimal]:
    """``{group values: exact sum of field}`` over ``queryset``."""
    totals: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    if connection.vendor == "sqlite":
        for row in queryset.values_list(*group, field).iterator():
            totals[tuple(row[:-1])] += Decimal(row[-1])
    else:
        for row in queryset.values(*group).annotate(total=Sum(field)).order_by():
            totals[tuple(row[g] for g in group)] += row["total"] or Decimal(0)
    return {key: value.quantize(_exp(places)) for key, value in totals.items()}
