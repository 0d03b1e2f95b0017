"""The companies app's API: one router per area, mounted under /api/v1/."""

from ninja import Router

from mercator.companies.api import activity, approvals, auth, customers, members, tokens

router = Router()
for area in (auth, members, tokens, customers, activity, approvals):
    router.add_router("/", area.router)
