from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mercator.companies.actors import actor_for_person
from mercator.companies.models import (
    ApiToken,
    ApprovalRequest,
    ApprovalRule,
    Company,
    CompanyRole,
    CompanyVerification,
    Contact,
    Customer,
    Invitation,
    Membership,
)
from mercator.companies.services.tokens import token_create_by_operator, token_revoke_by_operator


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["person", "role", "title", "is_active", "joined_at"]
    readonly_fields = ["person", "role", "joined_at"]
    can_delete = False


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["short_name", "legal_name", "kind", "is_platform", "created_at"]
    search_fields = ["legal_name", "short_name"]
    list_filter = ["kind", "is_platform"]
    inlines = [MembershipInline]
    readonly_fields = ["public_id", "created_at"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "company", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["person__email", "company__short_name"]
    readonly_fields = ["public_id"]
    actions = ["issue_token"]

    @admin.action(description=_("为所选成员创建 API 令牌"))
    def issue_token(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        actor = actor_for_person(request.user, via="web")
        for seat in queryset.select_related("person", "company"):
            _token, secret = token_create_by_operator(
                actor=actor, membership=seat, name=str(_("后台创建"))
            )
            # The one time the secret is shown; it is not stored anywhere.
            self.message_user(
                request,
                _("%(person)s 的新令牌（只显示一次）：%(secret)s")
                % {"person": seat.person.email, "secret": secret},
                messages.WARNING,
            )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Operators see and revoke tokens; they never see a secret (none is stored)."""

    list_display = ["name", "prefix", "membership", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "membership__person__email"]
    fields = [
        "name",
        "prefix",
        "membership",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("撤销所选令牌"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = actor_for_person(request.user, via="web")
        count = sum(1 for token in queryset if token_revoke_by_operator(actor=actor, token=token))
        self.message_user(request, _("已撤销 %(n)d 个令牌。") % {"n": count}, messages.SUCCESS)


@admin.register(CompanyVerification)
class CompanyVerificationAdmin(admin.ModelAdmin):
    """Operators review on /ops/verifications/ (approve, or reject with a reason); here they
    can search and read every submission."""

    list_display = ["company", "credit_code", "status", "submitted_at", "reviewed_at"]
    list_filter = ["status"]
    search_fields = ["company__legal_name", "credit_code", "invoice_name"]
    readonly_fields = [f.name for f in CompanyVerification._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CompanyRole)
class CompanyRoleAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "company"]
    search_fields = ["name", "code", "company__short_name"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["company", "email", "role", "created_at", "expires_at", "accepted_at"]
    search_fields = ["email", "company__short_name"]
    exclude = ["token_hash"]
    readonly_fields = ["company", "invited_by", "accepted_by", "accepted_at"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "owner", "province", "city"]
    search_fields = ["name", "company__short_name"]
    raw_id_fields = ["owner", "counterpart"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "customer", "owner", "is_key_person"]
    search_fields = ["name", "customer__name"]
    raw_id_fields = ["owner", "customer"]


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "document_kind", "condition", "threshold", "is_active"]
    list_filter = ["document_kind", "condition", "is_active"]


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(admin.ModelAdmin):
    list_display = ["title", "company", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ApprovalRequest._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
