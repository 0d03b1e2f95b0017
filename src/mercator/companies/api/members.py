"""Companies, members, roles, invitations and verification over the API."""

from django.http import HttpRequest
from ninja import Router

from mercator.companies.models import Company
from mercator.companies.schemas import CompanyOut
from mercator.companies.selectors import members as selectors
from mercator.core.schemas import ErrorOut

router = Router(tags=["companies"])


@router.get("/companies/{company_id}", response={200: CompanyOut, 404: ErrorOut})
def company_detail(request: HttpRequest, company_id: str) -> Company:
    """The company acted for. Any other company's id answers 404."""
    return selectors.company_get(request.actor, company_id)
