"""One figure of a report with its comparison: the value in the period, the value in the
previous period of the same length (``core.reports.DateRange.previous``) and the change
(``core.reports.change``: a ratio, None when there was nothing before)."""

from dataclasses import dataclass
from decimal import Decimal

from mercator.core.actor import Actor
from mercator.core.errors import NotFound
from mercator.core.reports import change

RATIO_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Figure:
    now: Decimal | int
    before: Decimal | int

    @property
    def change(self) -> Decimal | None:
        """(now - before) / before to four places (0.2500 = +25 %); None if before is 0."""
        ratio = change(Decimal(self.now), Decimal(self.before))
        return None if ratio is None else Decimal(ratio).quantize(RATIO_PLACES)

    @property
    def change_percent(self) -> Decimal | None:
        """The change in percent, for the ``percent`` filter (25.00)."""
        ratio = self.change
        return None if ratio is None else (ratio * 100).quantize(Decimal("0.01"))

    def as_dict(self) -> dict[str, Decimal | int | None]:
        return {"now": self.now, "before": self.before, "change": self.change}


def require_operator(actor: Actor) -> None:
    """The operators' dashboard: anyone else is answered 404 (it does not exist for him)."""
    if not actor.is_authenticated or not actor.is_operator:
        raise NotFound()
