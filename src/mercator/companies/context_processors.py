from typing import Any

from django.http import HttpRequest

from mercator.companies.selectors.members import memberships_of


def actor(request: HttpRequest) -> dict[str, Any]:
    current = getattr(request, "actor", None)
    if current is None or not current.is_authenticated:
        return {"actor": current}
    return {"actor": current, "my_memberships": memberships_of(current.person)}
