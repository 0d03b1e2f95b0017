"""Pages: sign-up, company profile and verification, members, roles, invitations, and the
operators' verification queue."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mercator.companies.forms import (
    CompanyForm,
    CompanyProfileForm,
    InvitationForm,
    PersonForm,
    ReviewForm,
    RoleForm,
    VerificationForm,
)
from mercator.companies.middleware import SESSION_COMPANY_KEY
from mercator.companies.models import CompanyVerification
from mercator.companies.roles import Role, permission_label
from mercator.companies.selectors import members as selectors
from mercator.companies.selectors import referrals as referral_selectors
from mercator.companies.services import members as services
from mercator.core import twofactor
from mercator.core.errors import DomainError, NotFound
from mercator.core.forms import add_domain_error
from mercator.core.storage import private_storage
from mercator.core.views import error_page


def _refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """A refusal as an error fragment for htmx (swapped into the page), else as a page."""
    if request.htmx:
        return render(request, "companies/_action_error.html", {"error": exc}, status=exc.status)
    return error_page(request, exc)


def _act_for(request: HttpRequest, company: Any) -> None:
    request.session[SESSION_COMPANY_KEY] = str(company.public_id)


def register(request: HttpRequest) -> HttpResponse:
    """A newcomer signs up and registers his company in one form; he becomes its boss."""
    if request.user.is_authenticated:
        return redirect("company-new")
    person_form = PersonForm(request.POST or None, prefix="person")
    company_form = CompanyForm(request.POST or None, prefix="company")
    # A referral link (?ref=<code>), carried through the form in a hidden field; an
    # unknown code is dropped with a notice (the sign-up itself goes on without it).
    code = (request.POST.get("ref") or request.GET.get("ref") or "").strip()[:32]
    referrer = referral_selectors.company_by_referral_code(code) if code else None
    if code and referrer is None:
        messages.info(request, _("推荐链接无效，已忽略；您仍可正常注册。"))
        code = ""
    status = 200
    if request.method == "POST":
        status = 400
        if person_form.is_valid() and company_form.is_valid():
            try:
                person, company = services.person_and_company_register(
                    person=person_form.cleaned_data,
                    company=company_form.cleaned_data,
                    referral_code=code,
                )
            except DomainError as exc:
                add_domain_error(person_form, exc)
                status = exc.status
            else:
                login(request, person, backend="django.contrib.auth.backends.ModelBackend")
                _act_for(request, company)
                messages.success(request, _("欢迎！请提交企业认证，认证后即可交易。"))
                return redirect("company-profile")
    context = {
        "person_form": person_form,
        "company_form": company_form,
        "referral_code": code,
        "referrer": referrer,
    }
    return render(request, "companies/register.html", context, status=status)


@login_required
def company_new(request: HttpRequest) -> HttpResponse:
    """A signed-in person registers another company and becomes its boss."""
    form = CompanyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                company = services.company_create(
                    actor=request.actor, master=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                _act_for(request, company)
                return redirect("company-profile")
    return render(request, "companies/company_new.html", {"form": form}, status=status)


@login_required
def company_profile(request: HttpRequest) -> HttpResponse:
    """The company's profile and its proof of being real (真实客户)."""
    actor = request.actor
    if actor.company is None:
        return redirect("company-new")
    company = actor.company
    can_manage = actor.can("company.manage")
    profile_form = CompanyProfileForm(
        initial={f: getattr(company, f) for f in services.COMPANY_EDITABLE}, prefix="profile"
    )
    verification_form = VerificationForm(prefix="verify")
    status = 200
    if request.method == "POST" and can_manage:
        status = 400
        if "profile-legal_name" in request.POST:
            profile_form = CompanyProfileForm(request.POST, prefix="profile")
            if profile_form.is_valid():
                try:
                    services.company_update(actor=actor, **profile_form.cleaned_data)
                except DomainError as exc:
                    add_domain_error(profile_form, exc)
                    status = exc.status
                else:
                    messages.success(request, _("企业资料已保存。"))
                    return redirect("company-profile")
        else:
            verification_form = VerificationForm(request.POST, request.FILES, prefix="verify")
            if verification_form.is_valid():
                try:
                    services.verification_submit(actor=actor, **verification_form.cleaned_data)
                except DomainError as exc:
                    add_domain_error(verification_form, exc)
                    status = exc.status
                else:
                    messages.success(request, _("认证资料已提交，平台审核后会通知您。"))
                    return redirect("company-profile")
    elif request.method == "POST":
        status = 403
    context = {
        "company": company,
        "can_manage": can_manage,
        "profile_form": profile_form,
        "verification_form": verification_form,
        "verification": selectors.verification_latest(actor),
    }
    return render(request, "companies/profile.html", context, status=status)


def _members_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    actor = request.actor
    company = actor.require_company()
    roles = selectors.roles_for(company)
    role_names = {code: name for code, name, _perms in roles}
    members = list(selectors.members_visible_to(actor).order_by("-is_active", "joined_at"))
    sensitive = {
        code for code, _name, perms in roles if twofactor.SENSITIVE_PERMISSIONS & set(perms)
    }
    with_two_factor = twofactor.people_with_two_factor([seat.person_id for seat in members])
    for seat in members:
        seat.role_name = role_names.get(seat.role, seat.role)
        seat.two_factor = seat.person_id in with_two_factor
        seat.should_have_two_factor = seat.role in sensitive
    can_manage = actor.can("members.manage")
    assignable = [(code, name) for code, name, _perms in roles if code != Role.MASTER]
    context = {
        "members": members,
        "assignable_roles": assignable,
        "can_manage": can_manage,
        "is_master": actor.membership is not None and actor.membership.role == Role.MASTER,
        "invitation_form": InvitationForm(roles=assignable),
        "invitations": selectors.invitations_of(actor)[:20] if can_manage else [],
        "reassign_url_name": "member-reassign" if actor.can("customers.reassign") else "",
    }
    context.update(extra)
    return context


@login_required
def members(request: HttpRequest) -> HttpResponse:
    try:
        context = _members_context(request)
    except DomainError as exc:
        return error_page(request, exc)
    return render(request, "companies/members.html", context)


@login_required
@require_POST
def member_action(request: HttpRequest, membership_id: str, action: str) -> HttpResponse:
    """Change role or title, deactivate, reactivate, or hand over the master account."""
    actor = request.actor
    try:
        if action == "update":
            services.member_update(
                actor=actor,
                membership_id=membership_id,
                role=request.POST.get("role") or None,
                title=request.POST.get("title"),
            )
            done = _("已保存。")
        elif action == "deactivate":
            seat = services.member_deactivate(actor=actor, membership_id=membership_id)
            done = _("%(name)s 已停用，其 API 令牌和登录会话已失效。") % {
                "name": seat.person.display_name
            }
        elif action == "reactivate":
            services.member_reactivate(actor=actor, membership_id=membership_id)
            done = _("已恢复。")
        elif action == "transfer":
            seat = services.mastership_transfer(actor=actor, to_membership_id=membership_id)
            done = _("母账户已移交给 %(name)s。") % {"name": seat.person.display_name}
        else:
            raise Http404
    except DomainError as exc:
        return _action_refused(request, exc)
    messages.success(request, done)
    return redirect("members")


def _action_refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """A refused member action: 404 for what the actor may not see; for htmx, the table
    again with the message, or only the message when he may not even see the table
    (a member without the permission gets a 403 fragment, never a 500)."""
    if isinstance(exc, NotFound):
        raise Http404 from None
    if not request.htmx:
        messages.error(request, str(exc.message))
        return redirect("members")
    try:
        context = _members_context(request)
    except DomainError:
        return _refused(request, exc)
    context["action_error"] = exc
    return render(request, "companies/_members_table.html", context, status=exc.status)


@login_required
def invitation_create(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    try:
        context = _members_context(request)
        if request.method == "POST":
            actor.require("members.manage")
    except DomainError as exc:
        return _refused(request, exc)
    form = InvitationForm(request.POST or None, roles=context["assignable_roles"])
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                invitation, token = services.invitation_create(
                    actor=actor,
                    email=form.cleaned_data["email"] or "",
                    role=form.cleaned_data["role"],
                    days=form.cleaned_data["days"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                context = _members_context(
                    request,
                    new_link=request.build_absolute_uri(f"/invite/{token}/"),
                    new_invitation=invitation,
                )
                return render(request, "companies/members.html", context)
    context["invitation_form"] = form
    return render(request, "companies/members.html", context, status=status)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: str) -> HttpResponse:
    try:
        services.invitation_revoke(actor=request.actor, invitation_id=invitation_id)
    except DomainError as exc:
        return _refused(request, exc)
    messages.success(request, _("邀请已撤销。"))
    return redirect("members")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: a newcomer signs up here, a known person signs in, then joins."""
    try:
        invitation = selectors.invitation_by_token(token)
    except DomainError:
        raise Http404 from None
    form = PersonForm(request.POST or None, prefix="person", initial={"email": invitation.email})
    status = 200
    error = None
    if request.method == "POST":
        try:
            seat = None
            if request.user.is_authenticated:
                seat = services.invitation_accept(person=request.user, token=token)
            elif form.is_valid():
                data = form.cleaned_data
                # One service makes the account and the seat together: a refused link
                # (used, revoked, expired, another address) creates no account.
                person, seat = services.invitation_accept_as_newcomer(
                    token=token,
                    email=data["email"],
                    password=data["password"],
                    display_name=data["display_name"],
                    phone=data.get("phone") or "",
                )
                login(request, person, backend="django.contrib.auth.backends.ModelBackend")
            else:
                status = 400
            if seat is not None:
                _act_for(request, seat.company)
                messages.success(
                    request, _("欢迎加入 %(company)s！") % {"company": seat.company.legal_name}
                )
                return redirect("home")
        except DomainError as exc:
            error = exc
            add_domain_error(form, exc)
            status = exc.status
    context = {
        "invitation": invitation,
        "state": invitation.state(),
        "role_name": selectors.role_name(invitation.company, invitation.role),
        "form": form,
        "error": error,
        "token": token,
    }
    return render(request, "companies/invitation.html", context, status=status)


@login_required
def roles(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    form = RoleForm(request.POST or None)
    status = 200
    try:
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    services.role_create(actor=actor, **form.cleaned_data)
                except DomainError as exc:
                    if isinstance(exc, NotFound) or exc.status == 403:
                        raise
                    add_domain_error(form, exc)
                    status = exc.status
                else:
                    messages.success(request, _("角色已创建。"))
                    return redirect("roles")
        company = actor.require_company()
        actor.require("members.view")
    except DomainError as exc:
        return _refused(request, exc)
    custom = {role.code: role for role in selectors.custom_roles_of(actor)}
    context = {
        "roles": [
            {
                "code": code,
                "name": name,
                "permissions": [permission_label(p) for p in sorted(perms)],
                "custom": custom.get(code),
            }
            for code, name, perms in selectors.roles_for(company)
        ],
        "form": form,
        "can_manage": actor.can("roles.manage"),
    }
    return render(request, "companies/roles.html", context, status=status)


@login_required
@require_POST
def role_delete(request: HttpRequest, role_id: str) -> HttpResponse:
    try:
        services.role_delete(actor=request.actor, role_id=role_id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise Http404 from None
        if request.htmx or exc.status == 403:
            return _refused(request, exc)
        messages.error(request, str(exc.message))
        return redirect("roles")
    messages.success(request, _("角色已删除。"))
    return redirect("roles")


@login_required
def ops_verifications(request: HttpRequest) -> HttpResponse:
    """Platform operators review companies' proofs of being real."""
    actor = request.actor
    try:
        pending = list(selectors.verifications_for_operator(actor, "pending"))
        decided = (
            selectors.verifications_for_operator(actor, None)
            .exclude(status=CompanyVerification.Status.PENDING)
            .order_by("-reviewed_at")[:20]
        )
    except DomainError as exc:
        return error_page(request, exc)
    return render(
        request,
        "companies/ops_verifications.html",
        {"pending": pending, "decided": decided, "form": ReviewForm()},
    )


@login_required
@require_GET
def ops_verification_licence(request: HttpRequest, verification_id: str) -> HttpResponse:
    """The licence scan of a submission, for platform operators only (others: 404). An
    image is shown inline (the review page embeds it); a PDF downloads."""
    try:
        verification = selectors.verification_for_operator(request.actor, verification_id)
    except DomainError as exc:
        return error_page(request, exc)
    if not verification.licence_stored:
        return error_page(request, NotFound())
    response = FileResponse(
        private_storage().open(verification.licence_stored, "rb"),
        content_type=verification.licence_content_type,
        as_attachment=not verification.licence_is_image,
        filename=verification.licence_filename,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def ops_verification_review(
    request: HttpRequest, verification_id: str, decision: str
) -> HttpResponse:
    form = ReviewForm(request.POST)
    form.is_valid()
    try:
        services.verification_review(
            actor=request.actor,
            verification_id=verification_id,
            approve=decision == "approve",
            reason=form.cleaned_data.get("reason", ""),
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise Http404 from None
        messages.error(request, str(exc.message))
        return redirect("ops-verifications")
    messages.success(request, _("已处理。"))
    return redirect("ops-verifications")


@login_required
@require_POST
def switch_company(request: HttpRequest) -> HttpResponse:
    """Act for another company the person belongs to."""
    seat = selectors.membership_for(request.user, request.POST.get("company"))
    if seat is not None:
        _act_for(request, seat.company)
    return redirect("home")


urlpatterns: list[URLPattern] = [
    path("register/", register, name="register"),
    path("company/new/", company_new, name="company-new"),
    path("company/", company_profile, name="company-profile"),
    path("company/switch", switch_company, name="company-switch"),
    path("company/members/", members, name="members"),
    *[
        path(
            f"company/members/<str:membership_id>/{action}",
            member_action,
            {"action": action},
            name=f"member-{action}",
        )
        for action in ("update", "deactivate", "reactivate", "transfer")
    ],
    path("company/invitations/", invitation_create, name="invitation-create"),
    path(
        "company/invitations/<str:invitation_id>/revoke",
        invitation_revoke,
        name="invitation-revoke",
    ),
    path("company/roles/", roles, name="roles"),
    path("company/roles/<str:role_id>/delete", role_delete, name="role-delete"),
    path("invite/<str:token>/", invitation_accept, name="invitation-accept"),
    path("ops/verifications/", ops_verifications, name="ops-verifications"),
    path(
        "ops/verifications/<str:verification_id>/licence",
        ops_verification_licence,
        name="ops-verification-licence",
    ),
    *[
        path(
            f"ops/verifications/<str:verification_id>/{decision}",
            ops_verification_review,
            {"decision": decision},
            name=f"ops-verification-{decision}",
        )
        for decision in ("approve", "reject")
    ],
]
