"""Signing in without a browser: exchange email and password for a token, sign up a person
and his company, join a company by invitation, and choose the company a token acts for.

The first three need no credentials (``auth=None``); they are throttled like the web
sign-in and hash passwords outside any write transaction."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from mercator.companies.actors import actor_for_membership, client_ip
from mercator.companies.middleware import SESSION_COMPANY_KEY
from mercator.companies.models import Membership
from mercator.companies.schemas import MemberOut
from mercator.companies.schemas_auth import (
    ActingCompanyIn,
    ExchangedTokenOut,
    JoinIn,
    RegisteredOut,
    RegisterIn,
    SeatOut,
    TokenExchangeIn,
)
from mercator.companies.selectors.members import memberships_of
from mercator.companies.services import members as members_services
from mercator.companies.services import tokens as token_services
from mercator.core.api import me_of
from mercator.core.errors import Conflict, NotAuthenticated
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ERRORS, ErrorOut, MeOut

router = Router(tags=["auth"])

PUBLIC_ERRORS = {**ERRORS, 429: ErrorOut}


@router.post("/auth/token", response={201: ExchangedTokenOut, **PUBLIC_ERRORS}, auth=None)
def token_exchange(request: HttpRequest, payload: TokenExchangeIn) -> Status:
    """Email and password (and optionally `company`, one of yours) for a personal token.
    The secret is shown once. A wrong email or password: 401 `invalid_credentials`
    (the same for an unknown email); too many failures: 429 `rate_limited`, as on the web
    sign-in page; a `company` that is not yours: 404; no company at all: 403 `no_company`."""
    token, secret = token_services.token_exchange(
        email=payload.email,
        password=payload.password,
        ip=client_ip(request),
        name=payload.name,
        company_id=payload.company,
        expires_at=payload.expires_at,
    )
    token.secret = secret
    return Status(201, token)


@router.post("/auth/register", response={201: RegisteredOut, **PUBLIC_ERRORS}, auth=None)
def register(request: HttpRequest, payload: RegisterIn) -> Status:
    """Sign up a person and register his company in one step (all or nothing); he becomes
    its master account. Then exchange his email and password for a token. A taken email:
    409 `email_taken`; a weak password: 422 `weak_password`. With `referral_code` (from
    another company's referral link) that company is recorded as the referrer; an unknown
    code: 422 `unknown_referral`, nothing created."""
    person, company = members_services.person_and_company_register(
        person=payload.person.dict(),
        company=payload.company.dict(),
        referral_code=payload.referral_code.strip(),
    )
    return Status(201, {"person": person, "company": company, "role": "master"})


@router.post("/auth/invitations/accept", response={201: MemberOut, **PUBLIC_ERRORS}, auth=None)
def invitation_join(request: HttpRequest, payload: JoinIn) -> Status:
    """Join a company by invitation without a token. An existing person signs in with
    `email` and `password`; a newcomer also sends `display_name` and is signed up. A used,
    revoked or expired invitation (409 `invitation_accepted|revoked|expired`), an unknown
    one (404) or one sent to another email (403) creates nothing. Then exchange the email
    and password (with the company) for a token."""
    ip = client_ip(request)
    try:
        person = token_services.person_sign_in(
            email=payload.email, password=payload.password, ip=ip
        )
    except NotAuthenticated:
        person = None
    if person is not None:
        return Status(201, members_services.invitation_accept(person=person, token=payload.token))
    try:
        # Checks the link first, hashes outside the transaction, then makes the person and
        # the seat together: a refused invitation leaves no account behind.
        _person, seat = members_services.invitation_accept_as_newcomer(
            token=payload.token,
            email=payload.email,
            password=payload.password,
            display_name=payload.display_name,
            phone=payload.phone,
        )
    except Conflict as exc:
        if exc.code == "email_taken":  # a known person with a wrong password
            raise NotAuthenticated(
                token_services.INVALID_CREDENTIALS, code="invalid_credentials"
            ) from None
        raise
    return Status(201, seat)


@router.get("/me/companies", response={200: list[SeatOut], **ERRORS})
@paginate(LimitOffset)
def my_companies(request: HttpRequest) -> QuerySet[Membership]:
    """The companies you may act for (your active seats), with your role in each."""
    return memberships_of(request.actor.person)


@router.post("/me/company", response={200: MeOut, **ERRORS})
def acting_company(request: HttpRequest, payload: ActingCompanyIn) -> dict:
    """Choose the company you act for. With a token, the token acts for it from now on
    (it stays bound to that seat: leaving the company makes it answer 401); with a web
    session, the session does. `company` must be one of your active seats (else 404)."""
    token = getattr(request, "api_token", None)
    if token is not None:
        token = token_services.token_act_for(
            actor=request.actor, token=token, company_id=payload.company
        )
        seat = token.membership
    else:
        seat = token_services.seat_of(request.actor.person, payload.company)
        request.session[SESSION_COMPANY_KEY] = str(seat.company.public_id)
    return me_of(actor_for_membership(seat, via=request.actor.via, ip=request.actor.ip))
