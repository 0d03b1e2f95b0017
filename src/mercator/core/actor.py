"""The Actor: who is acting (person), for which company, in which role.

Every web and API request resolves to one (``mercator.companies.middleware`` and
``mercator.companies.auth``); services take it, selectors scope by it. ``company`` and
``membership`` are ``mercator.companies`` objects, typed loosely here because core is
below companies in the dependency order.
"""

from dataclasses import dataclass, field
from typing import Any

from mercator.core.errors import NotAuthenticated, PermissionDenied


@dataclass(frozen=True)
class Actor:
    person: Any | None
    company: Any | None = None
    membership: Any | None = None
    role: str = ""
    permissions: frozenset[str] = field(default_factory=frozenset)
    via: str = "web"  # web, api, task, system
    ip: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.person is not None and self.person.is_authenticated

    @property
    def is_operator(self) -> bool:
        """A platform operator (staff of the platform itself)."""
        return bool(self.person is not None and getattr(self.person, "is_staff", False))

    @property
    def company_ref(self) -> str:
        return f"company:{self.company.public_id}" if self.company is not None else ""

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if not self.is_authenticated:
            raise NotAuthenticated()
        if not self.can(permission):
            raise PermissionDenied(details={"permission": permission})

    def require_company(self) -> Any:
        if not self.is_authenticated:
            raise NotAuthenticated()
        if self.company is None:
            raise PermissionDenied(code="no_company")
        return self.company


ANONYMOUS = Actor(person=None, via="web")
SYSTEM = Actor(person=None, via="system", role="system")
