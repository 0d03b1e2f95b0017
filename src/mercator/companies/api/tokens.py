from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from mercator.companies.models import ApiToken
from mercator.companies.schemas import TokenCreatedOut, TokenIn, TokenOut
from mercator.companies.selectors import tokens as selectors
from mercator.companies.services import tokens as services
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ErrorOut

router = Router(tags=["tokens"])


@router.get("/tokens", response=list[TokenOut])
@paginate(LimitOffset)
def token_list(request: HttpRequest) -> QuerySet[ApiToken]:
    """The caller's own API tokens for the company he acts for (secrets are never shown)."""
    return selectors.tokens_of(request.actor)


@router.post("/tokens", response={201: TokenCreatedOut, 422: ErrorOut})
def token_create(request: HttpRequest, payload: TokenIn) -> Status:
    token, secret = services.token_create(
        actor=request.actor, name=payload.name, expires_at=payload.expires_at
    )
    token.secret = secret
    return Status(201, token)


@router.delete("/tokens/{token_id}", response={200: TokenOut, 404: ErrorOut})
def token_revoke(request: HttpRequest, token_id: str) -> ApiToken:
    """Revoke a token at once; calls with it answer 401 from then on."""
    return services.token_revoke(actor=request.actor, public_id=token_id)
