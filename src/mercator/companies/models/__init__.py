"""Companies and the people who run them (DOMAIN.md §1)."""

from mercator.companies.models.activity import (
    ActivityDay,
    ActivityEvent,
    Notification,
    PersonSession,
)
from mercator.companies.models.approvals import ApprovalRequest, ApprovalRule
from mercator.companies.models.company import Company, CompanyVerification
from mercator.companies.models.customers import Contact, Customer, OwnershipChange
from mercator.companies.models.people import ApiToken, CompanyRole, Invitation, Membership

__all__ = [
    "ActivityDay",
    "ActivityEvent",
    "ApiToken",
    "ApprovalRequest",
    "ApprovalRule",
    "Company",
    "CompanyRole",
    "CompanyVerification",
    "Contact",
    "Customer",
    "Invitation",
    "Membership",
    "Notification",
    "OwnershipChange",
    "PersonSession",
]
