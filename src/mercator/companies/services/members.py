"""Writers for people, companies, verification, members, roles and invitations (seed §1).

The master account (母账户) is exactly one active membership with role ``master`` per
company: the database enforces "at most one" (a partial unique constraint), these services
"never none" (the master can be neither removed nor demoted, only replaced by a transfer).
"""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from mercator.companies.models import (
    ApiToken,
    Company,
    CompanyRole,
    CompanyVerification,
    Invitation,
    Membership,
)
from mercator.companies.roles import PERMISSIONS, ROLE_PERMISSIONS, Role
from mercator.companies.selectors.members import invitation_by_token, membership_get
from mercator.companies.services.activity import sessions_end_for_person
from mercator.companies.services.notifications import notify
from mercator.companies.services.referrals import referral_record, referrer_resolve
from mercator.companies.tasks import send_invitation_email
from mercator.companies.validators import validate_credit_code
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mercator.core.ids import parse_public_id
from mercator.core.models import User
from mercator.core.services import audit_record, validate
from mercator.core.storage import private_save, private_storage, upload_check
from mercator.core.texts import text

INVITATION_DAYS = 7


def _require_member_manager(actor: Actor) -> Company:
    company = actor.require_company()
    actor.require("members.manage")
    return company


# People ---------------------------------------------------------------------------------


def _person_new(*, email: str, password: str, display_name: str, phone: str = "") -> User:
    """A checked, unsaved person with the password already hashed. Hashing takes a good
    part of a second of CPU on purpose, so it happens here, before any write transaction
    (on SQLite a transaction holds the one write lock of the whole database)."""
    email = (email or "").strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(_("该邮箱已注册，请直接登录。"), code="email_taken")
    person = User(email=email, display_name=(display_name or "").strip(), phone=phone.strip())
    validate(person, exclude=["password"])
    try:
        validate_password(password, person)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            " ".join(str(m) for m in exc.messages),
            code="weak_password",
            details={"fields": {"password": [str(m) for m in exc.messages]}},
        ) from None
    person.set_password(password)
    return person


def _person_save(person: User) -> User:
    """Insert a person made by ``_person_new`` (in the caller's transaction, if any)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                person.save(force_insert=True)
        except IntegrityError:
            # The same e-mail signed up a moment ago, between the check and this insert.
            raise Conflict(_("该邮箱已注册，请直接登录。"), code="email_taken") from None
        audit_record(
            actor=Actor(person=person, via="web"),
            action="person.register",
            target=f"person:{person.public_id}",
        )
    return person


def person_register(*, email: str, password: str, display_name: str, phone: str = "") -> User:
    """A new person signs up (before, or while, accepting an invitation or registering a
    company). Email is the login and is unique, case-insensitively. The password is
    hashed before the write transaction begins."""
    person = _person_new(email=email, password=password, display_name=display_name, phone=phone)
    return _person_save(person)


# Companies ------------------------------------------------------------------------------


def company_create(
    *,
    actor: Actor,
    legal_name: str,
    short_name: str,
    kind: str = Company.Kind.BOTH,
    master: User,
    is_platform: bool = False,
    province: str = "",
    city: str = "",
    industry: str = "",
    size_band: str = Company.SizeBand.SMALL,
) -> Company:
    """Register a company; ``master`` becomes its master account (母账户). Only the person
    becoming master, or a platform operator, may do it."""
    if not (actor.is_operator or actor.person == master or actor.via == "system"):
        raise PermissionDenied()
    if is_platform and not (actor.is_operator or actor.via == "system"):
        raise PermissionDenied()
    company = Company(
        legal_name=(legal_name or "").strip(),
        short_name=(short_name or "").strip(),
        kind=kind,
        is_platform=is_platform,
        province=province.strip(),
        city=city.strip(),
        industry=industry.strip(),
        size_band=size_band,
    )
    validate(company)
    with transaction.atomic():
        company.save()
        seat = Membership(company=company, person=master, role=Role.MASTER, title=_("老板"))
        validate(seat)
        seat.save()
        audit_record(
            actor=actor,
            action="company.create",
            target=f"company:{company.public_id}",
            changes={"legal_name": company.legal_name, "master": str(master.public_id)},
        )
    return company


def person_and_company_register(
    *, person: dict[str, str], company: dict[str, str], referral_code: str = ""
) -> tuple[User, Company]:
    """Sign-up: a new person and his company in one step (all or nothing). The password
    is hashed before the transaction, which holds only the inserts. A ``referral_code``
    records the company that referred this one; an unknown one refuses the whole sign-up
    (422 ``unknown_referral``) before anything is written."""
    referrer = referrer_resolve(referral_code) if referral_code else None
    unsaved = _person_new(
        email=person["email"],
        password=person["password"],
        display_name=person["display_name"],
        phone=person.get("phone") or "",
    )
    with transaction.atomic():
        new_person = _person_save(unsaved)
        actor = Actor(person=new_person, via="web")
        new_company = company_create(actor=actor, master=new_person, **company)
        if referrer is not None:
            new_company = referral_record(actor=actor, company=new_company, referrer=referrer)
    return new_person, new_company


COMPANY_EDITABLE = (
    "legal_name",
    "short_name",
    "kind",
    "province",
    "city",
    "industry",
    "size_band",
    "inquiry_response_hours",
    "time_zone",
)


def company_update(*, actor: Actor, **changes: str) -> Company:
    """Edit the profile. A verified company's legal name is fixed by its verification."""
    company = actor.require_company()
    actor.require("company.manage")
    unknown = set(changes) - set(COMPANY_EDITABLE)
    if unknown:
        raise ValidationFailed(details={"fields": sorted(unknown)})
    company = Company.objects.get(pk=company.pk)
    if (
        company.is_verified
        and "legal_name" in changes
        and changes["legal_name"] != company.legal_name
    ):
        raise Conflict(_("已认证企业的全称不能修改；请重新提交认证。"), code="verified_name_locked")
    before = {field: getattr(company, field) for field in changes}
    for field, value in changes.items():
        if field == "inquiry_response_hours":  # a number, or None for the default
            setattr(company, field, value if value not in ("", None) else None)
            continue
        setattr(company, field, (value or "").strip())
    validate(company)
    with transaction.atomic():
        company.save(update_fields=list(changes))
        audit_record(
            actor=actor,
            action="company.update",
            target=f"company:{company.public_id}",
            changes={"before": before, "after": changes},
        )
    return company


# Verification (真实客户) ------------------------------------------------------------------


LICENCE_MAX_BYTES = 5 * 1024 * 1024


def verification_submit(
    *,
    actor: Actor,
    credit_code: str,
    bank_name: str,
    bank_branch: str,
    bank_account: str,
    invoice_name: str,
    invoice_tax_no: str,
    invoice_address: str,
    invoice_phone: str,
    invoice_bank: str,
    licence: Any = None,
) -> CompanyVerification:
    """Submit the proof that the company is real, for an operator to review, with the
    business licence's scan (``licence``: an uploaded JPEG, PNG or PDF of at most 5 MB,
    checked by its bytes; kept in private storage for operators only)."""
    company = actor.require_company()
    actor.require("company.manage")
    code = validate_credit_code(credit_code)
    pending = CompanyVerification.objects.filter(
        company=company, status=CompanyVerification.Status.PENDING
    )
    if pending.exists():
        raise Conflict(_("已有一份认证在审核中，请等待审核结果。"), code="verification_pending")
    account = (bank_account or "").replace(" ", "")
    if not account.isdigit() or not 8 <= len(account) <= 30:
        raise ValidationFailed(
            _("银行账号应为 8 到 30 位数字。"),
            code="bank_account_invalid",
            details={"field": "bank_account"},
        )
    verification = CompanyVerification(
        company=company,
        credit_code=code,
        bank_name=bank_name.strip(),
        bank_branch=bank_branch.strip(),
        bank_account=account,
        invoice_name=invoice_name.strip(),
        invoice_tax_no=(invoice_tax_no or "").strip().upper(),
        invoice_address=invoice_address.strip(),
        invoice_phone=invoice_phone.strip(),
        invoice_bank=invoice_bank.strip(),
        submitted_by=actor.person,
    )
    validate(verification)
    if verification.invoice_tax_no != code:
        # Since 2015 a company's taxpayer number is its unified social credit code.
        raise ValidationFailed(
            _("纳税人识别号应与统一社会信用代码一致。"),
            code="tax_no_mismatch",
            details={"field": "invoice_tax_no"},
        )
    taken = Company.objects.filter(credit_code=code).exclude(pk=company.pk).exists()
    if taken:
        raise Conflict(_("该统一社会信用代码已被另一家企业认证。"), code="credit_code_taken")
    checked = (
        upload_check(licence, max_bytes=LICENCE_MAX_BYTES, field="licence")
        if licence is not None
        else None
    )
    if checked is not None:
        # Written before the (short) transaction; removed again if the row is not.
        verification.licence_stored = private_save(f"licences/{company.public_id}", checked)
        verification.licence_filename = checked.name
        verification.licence_content_type = checked.content_type
        verification.licence_size = len(checked.content)
    try:
        _verification_save(actor, company, verification, code)
    except Exception:
        if verification.licence_stored:
            private_storage().delete(verification.licence_stored)
        raise
    return verification


def _verification_save(
    actor: Actor, company: Company, verification: CompanyVerification, code: str
) -> None:
    with transaction.atomic():
        try:
            with transaction.atomic():
                verification.save()
        except IntegrityError:
            raise Conflict(
                _("已有一份认证在审核中，请等待审核结果。"), code="verification_pending"
            ) from None
        Company.objects.filter(pk=company.pk).update(
            verification_status=Company.Verification.PENDING
        )
        audit_record(
            actor=actor,
            action="verification.submit",
            target=f"verification:{verification.public_id}",
            changes={"credit_code": code, "licence": verification.licence_filename},
        )


def verification_review(
    *, actor: Actor, verification_id: object, approve: bool, reason: str = ""
) -> CompanyVerification:
    """A platform operator approves or rejects a submission; the company sees the reason."""
    if not actor.is_operator:
        raise NotFound()
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationFailed(_("驳回时请写明原因。"), code="reason_required")
    with transaction.atomic():
        verification = (
            CompanyVerification.objects.select_for_update()
            .select_related("company")
            .filter(public_id=parse_public_id(verification_id))
            .first()
        )
        if verification is None:
            raise NotFound()
        if verification.status != CompanyVerification.Status.PENDING:
            raise Conflict(
                _("该认证已处理（当前状态：%(status)s）。")
                % {"status": verification.get_status_display()},
                code="verification_decided",
            )
        company = verification.company
        now = timezone.now()
        verification.status = (
            CompanyVerification.Status.APPROVED if approve else CompanyVerification.Status.REJECTED
        )
        verification.reviewed_by = actor.person
        verification.reviewed_at = now
        verification.reason = reason
        verification.save(update_fields=["status", "reviewed_by", "reviewed_at", "reason"])
        if approve:
            if (
                Company.objects.filter(credit_code=verification.credit_code)
                .exclude(pk=company.pk)
                .exists()
            ):
                raise Conflict(
                    _("该统一社会信用代码已被另一家企业认证。"), code="credit_code_taken"
                )
            Company.objects.filter(pk=company.pk).update(
                verification_status=Company.Verification.VERIFIED,
                credit_code=verification.credit_code,
                legal_name=verification.invoice_name or company.legal_name,
                verified_at=now,
            )
        else:
            Company.objects.filter(pk=company.pk).update(
                verification_status=(
                    Company.Verification.VERIFIED
                    if company.credit_code
                    else Company.Verification.REJECTED
                )
            )
        audit_record(
            actor=actor,
            action="verification.approve" if approve else "verification.reject",
            target=f"verification:{verification.public_id}",
            changes={"reason": reason},
        )
        for seat in company.memberships.filter(is_active=True, role=Role.MASTER).select_related(
            "person"
        ):
            notify(
                person=seat.person,
                company=company,
                kind="verification",
                title=text(gettext_noop("企业认证已通过"))
                if approve
                else text(gettext_noop("企业认证未通过")),
                body=reason,
                link="/company/",
            )
    return verification


# Roles ----------------------------------------------------------------------------------


def _clean_permissions(permissions: list[str]) -> list[str]:
    unknown = sorted(set(permissions) - set(PERMISSIONS))
    if unknown:
        raise ValidationFailed(
            _("未知的权限：%(names)s") % {"names": ", ".join(unknown)}, code="unknown_permission"
        )
    return sorted(set(permissions))


def role_create(*, actor: Actor, code: str, name: str, permissions: list[str]) -> CompanyRole:
    """A company's own role (e.g. 区域经理). Codes of the built-in roles are reserved."""
    company = actor.require_company()
    actor.require("roles.manage")
    code = (code or "").strip().lower()
    if code in ROLE_PERMISSIONS:
        raise ValidationFailed(_("该代码属于内置角色，请换一个。"), code="role_code_reserved")
    role = CompanyRole(
        company=company,
        code=code,
        name=(name or "").strip(),
        permissions=_clean_permissions(permissions),
    )
    validate(role)
    with transaction.atomic():
        role.save()
        audit_record(
            actor=actor,
            action="role.create",
            target=f"role:{role.public_id}",
            changes={"code": code, "permissions": role.permissions},
        )
    return role


def _company_role(actor: Actor, role_id: object) -> CompanyRole:
    role = CompanyRole.objects.filter(
        company=actor.require_company(), public_id=parse_public_id(role_id)
    ).first()
    if role is None:
        raise NotFound()
    return role


def role_update(
    *, actor: Actor, role_id: object, name: str | None = None, permissions: list[str] | None = None
) -> CompanyRole:
    actor.require("roles.manage")
    role = _company_role(actor, role_id)
    if name is not None:
        role.name = name.strip()
    if permissions is not None:
        role.permissions = _clean_permissions(permissions)
    validate(role)
    with transaction.atomic():
        role.save()
        audit_record(
            actor=actor,
            action="role.update",
            target=f"role:{role.public_id}",
            changes={"name": role.name, "permissions": role.permissions},
        )
    return role


def role_delete(*, actor: Actor, role_id: object) -> None:
    actor.require("roles.manage")
    role = _company_role(actor, role_id)
    with transaction.atomic():
        if Membership.objects.filter(company=role.company, role=role.code, is_active=True).exists():
            raise Conflict(_("仍有成员使用该角色，请先为他们换角色。"), code="role_in_use")
        # An open invitation would otherwise seat its newcomer in a role that is gone.
        if Invitation.objects.filter(
            company=role.company,
            role=role.code,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).exists():
            raise Conflict(
                _("还有未使用的邀请指定了该角色，请先撤销这些邀请。"), code="role_in_use"
            )
        audit_record(actor=actor, action="role.delete", target=f"role:{role.public_id}")
        role.delete()


def _check_role_code(company: Company, role: str) -> str:
    if role == Role.MASTER:
        raise ValidationFailed(
            _("一个企业只能有一个母账户；请使用“移交母账户”。"), code="one_master"
        )
    if (
        role not in ROLE_PERMISSIONS
        and not CompanyRole.objects.filter(company=company, code=role).exists()
    ):
        raise ValidationFailed(_("未知的角色：%(role)s") % {"role": role}, code="unknown_role")
    return role


# Members --------------------------------------------------------------------------------


def membership_add(
    *, actor: Actor, company: Company, person: User, role: str, title: str = ""
) -> Membership:
    if actor.via != "system" and not (actor.company == company and actor.can("members.manage")):
        raise PermissionDenied()
    _check_role_code(company, role)
    seat = Membership(company=company, person=person, role=role, title=title)
    validate(seat)
    with transaction.atomic():
        seat.save()
        audit_record(
            actor=actor,
            action="membership.add",
            target=f"membership:{seat.public_id}",
            changes={"person": str(person.public_id), "role": role},
        )
    return seat


def member_update(
    *, actor: Actor, membership_id: object, role: str | None = None, title: str | None = None
) -> Membership:
    """Change a member's role or title. The master's role changes only by a transfer."""
    company = _require_member_manager(actor)
    seat = membership_get(actor, membership_id)
    changes: dict[str, str] = {}
    if role is not None and role != seat.role:
        if seat.role == Role.MASTER:
            raise Conflict(
                _("母账户不能被降级；请先把母账户移交给另一位成员。"), code="last_master"
            )
        seat.role = _check_role_code(company, role)
        changes["role"] = role
    if title is not None:
        seat.title = title.strip()
        changes["title"] = seat.title
    validate(seat)
    with transaction.atomic():
        seat.save(update_fields=["role", "title"])
        audit_record(
            actor=actor,
            action="membership.update",
            target=f"membership:{seat.public_id}",
            changes=changes,
        )
    return seat


def member_deactivate(*, actor: Actor, membership_id: object) -> Membership:
    """A member leaves: his seat is closed, his API tokens revoked and his sessions ended at
    once. What he owned stays with the company until the boss reassigns it."""
    _require_member_manager(actor)
    seat = membership_get(actor, membership_id)
    if seat.role == Role.MASTER:
        raise Conflict(_("母账户不能停用；请先把母账户移交给另一位成员。"), code="last_master")
    if seat.pk == actor.membership.pk:
        raise Conflict(_("不能停用自己。"), code="self_deactivation")
    now = timezone.now()
    with transaction.atomic():
        changed = Membership.objects.filter(pk=seat.pk, is_active=True).update(
            is_active=False, left_at=now
        )
        if not changed:
            raise Conflict(_("该成员已停用。"), code="already_inactive")
        revoked = ApiToken.objects.filter(membership=seat, revoked_at__isnull=True).update(
            revoked_at=now
        )
        ended = sessions_end_for_person(person=seat.person, actor=actor)
        audit_record(
            actor=actor,
            action="membership.deactivate",
            target=f"membership:{seat.public_id}",
            changes={"tokens_revoked": revoked, "sessions_ended": ended},
        )
    seat.refresh_from_db()
    return seat


def member_reactivate(*, actor: Actor, membership_id: object) -> Membership:
    _require_member_manager(actor)
    seat = membership_get(actor, membership_id)
    with transaction.atomic():
        changed = Membership.objects.filter(pk=seat.pk, is_active=False).update(
            is_active=True, left_at=None
        )
        if not changed:
            raise Conflict(_("该成员在职。"), code="already_active")
        audit_record(
            actor=actor, action="membership.reactivate", target=f"membership:{seat.public_id}"
        )
    seat.refresh_from_db()
    return seat


def mastership_transfer(*, actor: Actor, to_membership_id: object) -> Membership:
    """The boss hands the master account to another active member and becomes a manager.
    One transaction, demotion first: the company is never without, nor with two, masters."""
    company = actor.require_company()
    if actor.membership is None or actor.membership.role != Role.MASTER:
        raise PermissionDenied(_("只有母账户可以移交母账户。"))
    target = membership_get(actor, to_membership_id)
    if not target.is_active:
        raise Conflict(_("只能移交给在职成员。"), code="inactive_member")
    if target.pk == actor.membership.pk:
        raise Conflict(_("您已经是母账户。"), code="already_master")
    with transaction.atomic():
        demoted = Membership.objects.filter(
            pk=actor.membership.pk, company=company, role=Role.MASTER, is_active=True
        ).update(role=Role.MANAGER)
        if demoted != 1:
            raise Conflict(_("母账户已变更，请刷新后重试。"), code="master_changed")
        Membership.objects.filter(pk=target.pk).update(role=Role.MASTER)
        audit_record(
            actor=actor,
            action="mastership.transfer",
            target=f"membership:{target.public_id}",
            changes={"from": str(actor.membership.public_id), "to": str(target.public_id)},
        )
        notify(
            person=target.person,
            company=company,
            kind="mastership",
            title=text(gettext_noop("您已成为 %(company)s 的母账户"), company=company.short_name),
            link="/company/members/",
        )
    target.refresh_from_db()
    return target


# Invitations ----------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(
    *, actor: Actor, role: str, email: str = "", days: int = INVITATION_DAYS
) -> tuple[Invitation, str]:
    """Invite someone by email (a mail with the link is sent) or make a link to hand over.
    Returns the invitation and its token, which is never stored and shown only now."""
    company = _require_member_manager(actor)
    _check_role_code(company, role)
    if not 1 <= days <= 30:
        raise ValidationFailed(_("有效期应为 1 到 30 天。"), code="invalid_days")
    email = (email or "").strip().lower()
    if email and company.memberships.filter(person__email__iexact=email, is_active=True).exists():
        raise Conflict(_("此人已是本企业成员。"), code="already_member")
    token = secrets.token_urlsafe(24)
    invitation = Invitation(
        company=company,
        email=email,
        role=role,
        token_hash=_hash(token),
        invited_by=actor.membership,
        expires_at=timezone.now() + timedelta(days=days),
    )
    validate(invitation)
    with transaction.atomic():
        invitation.save()
        audit_record(
            actor=actor,
            action="invitation.create",
            target=f"invitation:{invitation.public_id}",
            changes={"email": email, "role": role},
        )
        if email:
            invitation_pk = invitation.pk
            transaction.on_commit(lambda: send_invitation_email(invitation_pk, token))
    return invitation, token


def invitation_revoke(*, actor: Actor, invitation_id: object) -> Invitation:
    company = _require_member_manager(actor)
    invitation = Invitation.objects.filter(
        company=company, public_id=parse_public_id(invitation_id)
    ).first()
    if invitation is None:
        raise NotFound()
    with transaction.atomic():
        changed = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if not changed:
            raise Conflict(_("该邀请已被接受或撤销。"), code="invitation_closed")
        audit_record(
            actor=actor, action="invitation.revoke", target=f"invitation:{invitation.public_id}"
        )
    invitation.refresh_from_db()
    return invitation


def _invitation_open(token: str, email: str) -> Invitation:
    """The invitation behind a link, if it may still be accepted by ``email``; else the
    reason it may not (409: used, revoked, expired; 403: meant for another address)."""
    invitation = invitation_by_token(token)
    state = invitation.state()
    if state != "open":
        messages = {
            "accepted": _("此邀请已被使用。"),
            "revoked": _("此邀请已被撤销。"),
            "expired": _("此邀请已过期，请联系邀请人重新发送。"),
        }
        raise Conflict(messages[state], code=f"invitation_{state}")
    if invitation.email and invitation.email != (email or "").strip().lower():
        raise PermissionDenied(
            _("此邀请发给 %(email)s，请用该邮箱登录或注册后接受。") % {"email": invitation.email},
            code="invitation_other_email",
        )
    return invitation


def invitation_accept(*, person: User, token: str) -> Membership:
    """The invited person (new or existing) takes the seat. Single use: a conditional update
    claims the invitation, so two clicks make one membership."""
    invitation = _invitation_open(token, person.email)
    with transaction.atomic():
        return _invitation_claim(invitation, person)


def invitation_accept_as_newcomer(
    *, token: str, email: str, password: str, display_name: str, phone: str = ""
) -> tuple[User, Membership]:
    """A newcomer signs up through an invitation link: the account and the seat are made
    together or not at all. A link that is used, revoked, expired or meant for another
    address is refused before anything is written, so it never leaves an account behind."""
    _invitation_open(token, email)
    person = _person_new(email=email, password=password, display_name=display_name, phone=phone)
    with transaction.atomic():
        # Checked again inside the transaction: the claim below is conditional too.
        invitation = _invitation_open(token, email)
        _person_save(person)
        seat = _invitation_claim(invitation, person)
    return person, seat


def _invitation_claim(invitation: Invitation, person: User) -> Membership:
    company = invitation.company
    actor = Actor(person=person, company=company, via="web")
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(accepted_at=timezone.now(), accepted_by=person)
    if not claimed:
        raise Conflict(_("此邀请已被使用。"), code="invitation_accepted")
    seat = Membership.objects.filter(company=company, person=person).first()
    if seat is not None and seat.is_active:
        raise Conflict(_("您已是本企业成员。"), code="already_member")
    if seat is not None:
        # A returning member: same seat (his history), new role.
        Membership.objects.filter(pk=seat.pk).update(
            is_active=True, left_at=None, role=invitation.role
        )
        seat.refresh_from_db()
    else:
        seat = Membership(company=company, person=person, role=invitation.role)
        validate(seat)
        seat.save()
    audit_record(
        actor=actor,
        action="invitation.accept",
        target=f"invitation:{invitation.public_id}",
        changes={"membership": str(seat.public_id), "role": seat.role},
    )
    notify(
        person=invitation.invited_by.person,
        company=company,
        kind="invitation",
        title=text(
            gettext_noop("%(name)s 已加入 %(company)s"),
            name=person.display_name,
            company=company.short_name,
        ),
        link="/company/members/",
    )
    return seat


# Accounts opened on a company's behalf ---------------------------------------------------

OPENED_ACCOUNT_DAYS = 30


def company_open_for_boss(
    *,
    actor: Actor,
    invited_by: Membership,
    legal_name: str,
    short_name: str,
    boss_email: str,
    kind: str = Company.Kind.BUYER,
    province: str = "",
    city: str = "",
    industry: str = "",
    size_band: str = Company.SizeBand.SMALL,
) -> tuple[Company, Invitation, str]:
    """An account opened for a company by someone outside it (a field rep's 开户): the
    company, with no seat yet, and an invitation by email for its boss to take the master
    account (母账户) when he signs up or signs in. Until then the company has no member;
    the invitation is the one way in. ``invited_by`` is the opener's seat (in his own
    company); the caller (fieldsales' ``target_open_account``) decides who may open, so
    only a system actor, an operator or a field rep/manager gets here. Returns the
    company, the invitation and its token (shown once, mailed to the boss)."""
    if not (
        actor.via == "system"
        or actor.is_operator
        or actor.can("fieldsales.work")
        or actor.can("fieldsales.manage")
    ):
        raise PermissionDenied()
    email = (boss_email or "").strip().lower()
    if not email:
        raise ValidationFailed(
            _("请填写老板的邮箱：开户邀请发到这个邮箱。"),
            code="boss_email_required",
            details={"field": "boss_email"},
        )
    company = Company(
        legal_name=(legal_name or "").strip(),
        short_name=(short_name or "").strip(),
        kind=kind,
        province=(province or "").strip(),
        city=(city or "").strip(),
        industry=(industry or "").strip(),
        size_band=size_band or Company.SizeBand.SMALL,
    )
    validate(company)
    token = secrets.token_urlsafe(24)
    invitation = Invitation(
        company=company,
        email=email,
        role=Role.MASTER,
        token_hash=_hash(token),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=OPENED_ACCOUNT_DAYS),
    )
    validate(invitation, exclude=["company"])
    with transaction.atomic():
        company.save()
        invitation.company = company
        invitation.save()
        audit_record(
            actor=actor,
            action="company.open_for_boss",
            target=f"company:{company.public_id}",
            changes={"legal_name": company.legal_name, "boss_email": email},
        )
        invitation_pk = invitation.pk
        transaction.on_commit(lambda: send_invitation_email(invitation_pk, token))
    return company, invitation, token
