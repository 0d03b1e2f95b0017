"""The writers of membership (one package: ``base`` is what other apps call; ``rules``
the operator's grades and weights; ``recompute`` the nightly grading; ``appeals``)."""

from mercator.membership.services.appeals import appeal_create, appeal_decide
from mercator.membership.services.base import (
    _weight,
    activity_touch,
    activity_touch_all,
    entry_grade,
    points_award,
    standing_ensure,
)
from mercator.membership.services.paid import membership_pay
from mercator.membership.services.recompute import listing_quality_award, recompute, recompute_run
from mercator.membership.services.rules import grade_save, scoring_set

__all__ = [
    "_weight",
    "activity_touch",
    "activity_touch_all",
    "appeal_create",
    "appeal_decide",
    "entry_grade",
    "grade_save",
    "listing_quality_award",
    "membership_pay",
    "points_award",
    "recompute",
    "recompute_run",
    "scoring_set",
    "standing_ensure",
]
