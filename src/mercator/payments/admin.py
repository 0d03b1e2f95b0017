"""The ledger in the platform back office: read-only. Money moves only through the
services (a correction is a reversing transaction), never by editing a row here."""

from django.contrib import admin

from mercator.core.admin import ReadOnlyAdmin
from mercator.payments.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    PaymentIntent,
    Payout,
    WebhookEvent,
)


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "company", "kind", "currency", "balance", "allow_negative"]
    list_filter = ["kind", "currency"]
    search_fields = ["company__short_name", "company__legal_name", "public_id"]
    list_select_related = ["company"]


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    fields = ["account", "amount", "currency", "reference", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "reference", "memo", "dedupe_key", "reverses"]
    list_filter = ["kind"]
    search_fields = ["reference", "dedupe_key", "public_id"]
    inlines = [LedgerEntryInline]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "transaction", "account", "amount", "currency", "reference"]
    list_filter = ["currency", "account__kind"]
    search_fields = ["reference"]
    list_select_related = ["transaction", "account__company"]


@admin.register(PaymentIntent)
class PaymentIntentAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "payer",
        "payee",
        "purpose",
        "method",
        "amount",
        "currency",
        "status",
        "provider",
        "sandbox",
        "transfer_code",
    ]
    list_filter = ["status", "method", "provider", "sandbox", "purpose"]
    search_fields = ["reference", "transfer_code", "gateway_charge_id", "public_id"]
    list_select_related = ["payer", "payee"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "provider", "event_id", "event_type", "result", "deliveries"]
    list_filter = ["provider", "event_type", "result"]
    search_fields = ["event_id"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    """Read-only: operators decide payouts at /ops/payouts/ (the ledger moves there)."""

    list_display = [
        "requested_at",
        "company",
        "amount",
        "currency",
        "status",
        "bank_reference",
        "decided_at",
    ]
    list_filter = ["status", "currency"]
    search_fields = ["company__short_name", "bank_reference", "public_id"]
    list_select_related = ["company"]
