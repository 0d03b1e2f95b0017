"""The workbench's reads: counters per role, the boss's overview, verification status."""

from mercator.insights.selectors.counters import (
    Counter,
    boss_counters,
    finance_counters,
    is_boss,
    operator_counters,
    purchaser_counters,
    sales_counters,
    workbench_for,
)
from mercator.insights.selectors.overview import Overview, company_overview
from mercator.insights.selectors.verification import VerificationStatus, verification_status

__all__ = [
    "Counter",
    "Overview",
    "VerificationStatus",
    "boss_counters",
    "company_overview",
    "finance_counters",
    "is_boss",
    "operator_counters",
    "purchaser_counters",
    "sales_counters",
    "verification_status",
    "workbench_for",
]
