"""Companies, verification, members, roles and invitations over the API."""

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from mercator.companies.models import Company, CompanyVerification, Invitation, Membership
from mercator.companies.schemas import (
    AcceptIn,
    CompanyIn,
    CompanyOut,
    CompanyPatch,
    InvitationCreatedOut,
    InvitationIn,
    InvitationOut,
    MemberOut,
    MemberPatch,
    ReviewIn,
    RoleIn,
    RoleOut,
    RolePatch,
    TransferIn,
    VerificationIn,
    VerificationOut,
)
from mercator.companies.selectors import members as selectors
from mercator.companies.services import members as services
from mercator.core.pagination import LimitOffset
from mercator.core.schemas import ErrorOut

router = Router(tags=["companies"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post("/companies", response={201: CompanyOut, **ERRORS})
def company_register(request: HttpRequest, payload: CompanyIn) -> Status:
    """Register another company; the caller becomes its master account."""
    company = services.company_create(
        actor=request.actor, master=request.actor.person, **payload.dict()
    )
    return Status(201, company)


@router.get("/companies/{company_id}", response={200: CompanyOut, **ERRORS})
def company_detail(request: HttpRequest, company_id: str) -> Company:
    """The company acted for. Any other company's id answers 404."""
    return selectors.company_get(request.actor, company_id)


@router.patch("/companies/{company_id}", response={200: CompanyOut, **ERRORS})
def company_update(request: HttpRequest, company_id: str, payload: CompanyPatch) -> Company:
    selectors.company_get(request.actor, company_id)
    return services.company_update(actor=request.actor, **payload.dict(exclude_none=True))


@router.get(
    "/companies/{company_id}/verification", response={200: VerificationOut | None, **ERRORS}
)
def verification_detail(request: HttpRequest, company_id: str) -> CompanyVerification | None:
    """The latest verification submission and its review (reason included)."""
    selectors.company_get(request.actor, company_id)
    return selectors.verification_latest(request.actor)


@router.post("/companies/{company_id}/verification", response={201: VerificationOut, **ERRORS})
def verification_submit(request: HttpRequest, company_id: str, payload: VerificationIn) -> Status:
    selectors.company_get(request.actor, company_id)
    return Status(201, services.verification_submit(actor=request.actor, **payload.dict()))


@router.get("/members", response={200: list[MemberOut], **ERRORS})
@paginate(LimitOffset)
def member_list(request: HttpRequest) -> QuerySet[Membership]:
    return selectors.members_visible_to(request.actor).order_by("-is_active", "joined_at")


@router.get("/members/{membership_id}", response={200: MemberOut, **ERRORS})
def member_detail(request: HttpRequest, membership_id: str) -> Membership:
    return selectors.membership_get(request.actor, membership_id)


@router.patch("/members/{membership_id}", response={200: MemberOut, **ERRORS})
def member_update(request: HttpRequest, membership_id: str, payload: MemberPatch) -> Membership:
    return services.member_update(
        actor=request.actor, membership_id=membership_id, **payload.dict(exclude_none=True)
    )


@router.post("/members/{membership_id}/deactivate", response={200: MemberOut, **ERRORS})
def member_deactivate(request: HttpRequest, membership_id: str) -> Membership:
    """The member leaves: seat closed, tokens revoked, sessions ended, at once."""
    return services.member_deactivate(actor=request.actor, membership_id=membership_id)


@router.post("/members/{membership_id}/reactivate", response={200: MemberOut, **ERRORS})
def member_reactivate(request: HttpRequest, membership_id: str) -> Membership:
    return services.member_reactivate(actor=request.actor, membership_id=membership_id)


@router.post("/mastership/transfer", response={200: MemberOut, **ERRORS})
def mastership_transfer(request: HttpRequest, payload: TransferIn) -> Membership:
    """The master hands over the master account and becomes a manager."""
    return services.mastership_transfer(actor=request.actor, to_membership_id=payload.to)


@router.get("/roles", response={200: list[RoleOut], **ERRORS})
@paginate(LimitOffset)
def role_list(request: HttpRequest) -> list[dict]:
    company = request.actor.require_company()
    custom = {role.code: role.public_id for role in selectors.custom_roles_of(request.actor)}
    return [
        {
            "code": code,
            "name": name,
            "permissions": sorted(perms),
            "builtin": code not in custom,
            "id": custom.get(code),
        }
        for code, name, perms in selectors.roles_for(company)
    ]


def _role_out(role: object) -> dict:
    return {
        "code": role.code,
        "name": role.name,
        "permissions": role.permissions,
        "builtin": False,
        "id": role.public_id,
    }


@router.post("/roles", response={201: RoleOut, **ERRORS})
def role_create(request: HttpRequest, payload: RoleIn) -> Status:
    data = {**payload.dict(), "permissions": [p.value for p in payload.permissions]}
    return Status(201, _role_out(services.role_create(actor=request.actor, **data)))


@router.patch("/roles/{role_id}", response={200: RoleOut, **ERRORS})
def role_update(request: HttpRequest, role_id: str, payload: RolePatch) -> dict:
    changes = payload.dict(exclude_none=True)
    if payload.permissions is not None:
        changes["permissions"] = [p.value for p in payload.permissions]
    role = services.role_update(actor=request.actor, role_id=role_id, **changes)
    return _role_out(role)


@router.delete("/roles/{role_id}", response={204: None, **ERRORS})
def role_delete(request: HttpRequest, role_id: str) -> Status:
    services.role_delete(actor=request.actor, role_id=role_id)
    return Status(204, None)


@router.get("/invitations", response={200: list[InvitationOut], **ERRORS})
@paginate(LimitOffset)
def invitation_list(request: HttpRequest) -> QuerySet[Invitation]:
    return selectors.invitations_of(request.actor)


@router.post("/invitations", response={201: InvitationCreatedOut, **ERRORS})
def invitation_create(request: HttpRequest, payload: InvitationIn) -> Status:
    """Invite by email (a mail is sent) or, with no email, get a link to hand over."""
    invitation, token = services.invitation_create(actor=request.actor, **payload.dict())
    invitation.link = f"{settings.MERCATOR_BASE_URL}/invite/{token}/"
    return Status(201, invitation)


@router.post("/invitations/accept", response={200: MemberOut, **ERRORS})
def invitation_accept(request: HttpRequest, payload: AcceptIn) -> Membership:
    """Accept an invitation as the calling person (token from the invitation link)."""
    return services.invitation_accept(person=request.actor.person, token=payload.token)


@router.delete("/invitations/{invitation_id}", response={200: InvitationOut, **ERRORS})
def invitation_revoke(request: HttpRequest, invitation_id: str) -> Invitation:
    return services.invitation_revoke(actor=request.actor, invitation_id=invitation_id)


@router.get("/ops/verifications", response={200: list[VerificationOut], **ERRORS})
@paginate(LimitOffset)
def ops_verification_list(
    request: HttpRequest, status: str | None = "pending"
) -> QuerySet[CompanyVerification]:
    """Platform operators: the verification review queue."""
    return selectors.verifications_for_operator(request.actor, status or None)


@router.post(
    "/ops/verifications/{verification_id}/approve", response={200: VerificationOut, **ERRORS}
)
def ops_verification_approve(
    request: HttpRequest, verification_id: str, payload: ReviewIn
) -> CompanyVerification:
    return services.verification_review(
        actor=request.actor, verification_id=verification_id, approve=True, reason=payload.reason
    )


@router.post(
    "/ops/verifications/{verification_id}/reject", response={200: VerificationOut, **ERRORS}
)
def ops_verification_reject(
    request: HttpRequest, verification_id: str, payload: ReviewIn
) -> CompanyVerification:
    return services.verification_review(
        actor=request.actor, verification_id=verification_id, approve=False, reason=payload.reason
    )
