from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mercator.companies.actors import actor_for_person
from mercator.companies.models import ApiToken, Company, Membership
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
