from mercator.fieldsales.models.commission import (
    CommissionLine,
    CommissionPlan,
    CommissionStatement,
)
from mercator.fieldsales.models.markets import (
    Assignment,
    KeyPerson,
    Push,
    Reason,
    ReasonRecord,
    Rep,
    Step,
    Target,
    TargetMarket,
    Visit,
)

__all__ = [
    "Assignment",
    "CommissionLine",
    "CommissionPlan",
    "CommissionStatement",
    "KeyPerson",
    "Push",
    "Reason",
    "ReasonRecord",
    "Rep",
    "Step",
    "Target",
    "TargetMarket",
    "Visit",
]
