"""Money on the platform (DOMAIN.md §4, §8): a double-entry ledger, payment intents,
gateway webhooks, bank statements and credit terms (账期).

The ledger is the only place money lives. Every account's ``balance`` is a cache of the
sum of its entries; a transaction's entries sum to zero per currency (checked by the
service, and by a deferred constraint trigger on PostgreSQL); entries and transactions
are append-only (a correction is a reversing transaction). Escrow entries carry the typed
reference of the document they hold money for (``"order:<public id>"``), so the escrow
held for one order is the sum of its entries.

Payments sits below trading: it never imports trading. It tells trading that money
arrived with the ``payment_succeeded`` signal (``payments.signals``).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import Company, Membership
from mercator.core.ids import PublicIdModel

AMOUNT = {"max_digits": 20, "decimal_places": 2}
ZERO = Decimal("0.00")


class AccountKind(models.TextChoices):
    # A company's own money held by the platform (refunds, settled sales); may not go below 0.
    WALLET = "wallet", _("钱包")
    # The platform's escrow: buyers' payments held until the seller is paid.
    ESCROW = "escrow", _("担保账户")
    # The platform's information fee (信息费) taken at settlement.
    FEE_REVENUE = "fee_revenue", _("平台服务费收入")
    # A seller's claim on a buyer who bought on credit; a buyer's matching debt.
    CREDIT_RECEIVABLE = "credit_receivable", _("应收账款")
    CREDIT_PAYABLE = "credit_payable", _("应付账款")
    # Money outside the platform: what came in through the gateway or the bank. These
    # go negative as money enters (they mirror real money the platform holds).
    GATEWAY_CLEARING = "gateway_clearing", _("支付通道清算")
    BANK_CLEARING = "bank_clearing", _("银行清算")
    # Play money from the sandbox gateway: kept apart so it is never taken for real.
    SANDBOX_CLEARING = "sandbox_clearing", _("沙箱通道清算（非真实资金）")
    # Money a company asked to withdraw, held until an operator pays it out (or rejects
    # the request and it goes back to the wallet); legs carry "payout:<id>".
    PAYOUT_HOLD = "payout_hold", _("提现待付")
    # Deposits (保证金) and margins held for aggregation trading (auctions, group buys,
    # forward contracts): taken from a company's wallet, legs carry "deposit:<id>", and
    # released back, applied to an order's escrow or forfeited.
    DEPOSIT_HOLD = "deposit_hold", _("保证金")
    # The reps' lifetime profit share (fieldsales commission): the platform's expense,
    # growing more negative as statements are booked, and what it owes the reps until
    # each statement is paid (legs carry "commission:<id>").
    COMMISSION_EXPENSE = "commission_expense", _("分润支出")
    COMMISSION_PAYABLE = "commission_payable", _("应付分润")


# Kinds whose balance may go below zero.
NEGATIVE_ALLOWED = {
    AccountKind.CREDIT_PAYABLE,
    AccountKind.GATEWAY_CLEARING,
    AccountKind.BANK_CLEARING,
    AccountKind.SANDBOX_CLEARING,
    AccountKind.COMMISSION_EXPENSE,
}
# Kinds the platform holds once per currency (company is None).
PLATFORM_KINDS = {
    AccountKind.ESCROW,
    AccountKind.FEE_REVENUE,
    AccountKind.GATEWAY_CLEARING,
    AccountKind.BANK_CLEARING,
    AccountKind.SANDBOX_CLEARING,
    AccountKind.PAYOUT_HOLD,
    AccountKind.DEPOSIT_HOLD,
    AccountKind.COMMISSION_EXPENSE,
    AccountKind.COMMISSION_PAYABLE,
}


class LedgerAccount(PublicIdModel):
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    kind = models.CharField(_("科目"), max_length=20, choices=AccountKind.choices)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    balance = models.DecimalField(_("余额"), **AMOUNT, default=ZERO)
    allow_negative = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("账户")
        verbose_name_plural = _("账户")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "currency"], name="uniq_ledger_account"
            ),
            models.UniqueConstraint(
                fields=["kind", "currency"],
                condition=Q(company__isnull=True),
                name="uniq_platform_ledger_account",
            ),
            models.CheckConstraint(
                condition=Q(allow_negative=True) | Q(balance__gte=0),
                name="ledger_account_not_negative",
            ),
        ]

    def __str__(self) -> str:
        owner = self.company.short_name if self.company_id else "platform"
        return f"{owner}:{self.kind}:{self.currency}"


class LedgerTransaction(PublicIdModel):
    class Kind(models.TextChoices):
        PAYMENT = "payment", _("付款入担保")
        WALLET_PAYMENT = "wallet_payment", _("余额付款")
        SETTLEMENT = "settlement", _("结算给卖方")
        REFUND = "refund", _("退款")
        CREDIT_BOOKING = "credit_booking", _("赊销入账")
        REPAYMENT = "repayment", _("账期还款")
        DEPOSIT = "deposit", _("充值")
        WITHDRAWAL = "withdrawal", _("提现")
        PAYOUT = "payout", _("提现打款")
        PAYOUT_RELEASE = "payout_release", _("提现退回")
        # A company's paid membership of a market (membership app): wallet → fee revenue.
        MEMBERSHIP_FEE = "membership_fee", _("会员费")
        # Deposits and margins (保证金) of auctions, group buys and forward contracts.
        DEPOSIT_HOLD = "deposit_hold", _("缴纳保证金")
        DEPOSIT_RELEASE = "deposit_release", _("退还保证金")
        DEPOSIT_APPLY = "deposit_apply", _("保证金抵扣货款")
        DEPOSIT_FORFEIT = "deposit_forfeit", _("保证金罚没")
        # A warehouse's storage fee (logistics app): the payer's wallet → the warehouse
        # operator's wallet, or the platform's fee revenue for its own warehouses.
        STORAGE_FEE = "storage_fee", _("仓储费")
        # A rep's commission statement (fieldsales): booked (expense → payable), then
        # paid (payable → the partner's wallet, or out to the bank).
        COMMISSION = "commission", _("分润计提")
        COMMISSION_PAYOUT = "commission_payout", _("分润发放")
        REVERSAL = "reversal", _("冲正")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The document the money moved for: "order:<id>", "receivable:<id>", "intent:<id>".
    reference = models.CharField(max_length=80, db_index=True)
    memo = models.CharField(max_length=300, blank=True)
    # Makes a posting happen at most once (e.g. "intent:<id>:captured"); unique when set.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"


class LedgerEntry(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount = models.DecimalField(**AMOUNT)  # signed; + adds to the account, - takes from it
    currency = models.CharField(max_length=3)
    # The document this leg is held for (escrow legs: the order), so the escrow of one
    # order is the sum of its legs.
    reference = models.CharField(max_length=80, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["account", "reference"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount} {self.currency}"


class PaymentIntent(PublicIdModel):
    """One attempt of a company to pay for a document (an order, a credit repayment)."""

    class Method(models.TextChoices):
        GATEWAY = "gateway", _("在线支付")
        BANK_TRANSFER = "bank_transfer", _("银行转账")
        WALLET = "wallet", _("账户余额")

    class Purpose(models.TextChoices):
        ORDER = "order", _("订单付款")
        REPAYMENT = "repayment", _("账期还款")

    class Status(models.TextChoices):
        PENDING = "pending", _("待支付")
        SUCCEEDED = "succeeded", _("已支付")
        FAILED = "failed", _("支付失败")
        CANCELLED = "cancelled", _("已取消")

    payer = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="payment_intents")
    payee = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    reference = models.CharField(max_length=80, db_index=True)  # "order:<id>" / "receivable:<id>"
    method = models.CharField(_("支付方式"), max_length=16, choices=Method.choices)
    amount = models.DecimalField(_("金额"), **AMOUNT)
    currency = models.CharField(max_length=3, default="CNY")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # What the payer writes in the bank transfer's memo (附言) so the statement line finds
    # this intent; short and unambiguous.
    transfer_code = models.CharField(max_length=16, unique=True)
    gateway_charge_id = models.CharField(max_length=64, blank=True, db_index=True)
    # The payment provider an online intent goes through (``payments.providers``); only
    # its webhook may capture the intent.
    provider = models.CharField(_("支付通道"), max_length=20, blank=True)
    # Captured through a sandbox: play money, never a real deal.
    sandbox = models.BooleanField(_("沙箱资金"), default=False)
    failure_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("付款单")
        verbose_name_plural = _("付款单")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="intent_amount_positive"),
            # At most one successful payment per document and purpose.
            models.UniqueConstraint(
                fields=["reference", "purpose"],
                condition=Q(status="succeeded"),
                name="uniq_succeeded_intent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount} {self.status}"

    @property
    def ref(self) -> str:
        return f"intent:{self.public_id}"


class WebhookEvent(models.Model):
    """Every webhook delivery we accepted (signature valid), once per event id."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=80)
    event_type = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)
    deliveries = models.PositiveIntegerField(default=1)
    result = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="uniq_webhook_event")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"


class BankStatement(PublicIdModel):
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    lines_total = models.PositiveIntegerField(default=0)
    lines_matched = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("银行对账单")
        verbose_name_plural = _("银行对账单")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.filename or str(self.public_id)


class BankStatementLine(PublicIdModel):
    class Status(models.TextChoices):
        MATCHED = "matched", _("已匹配")
        UNMATCHED = "unmatched", _("未匹配")
        DUPLICATE = "duplicate", _("重复流水")
        RESOLVED = "resolved", _("已人工处理")

    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    bank_txn_id = models.CharField(_("银行流水号"), max_length=80)
    booked_on = models.DateField(_("记账日期"))
    amount = models.DecimalField(_("金额"), **AMOUNT)
    currency = models.CharField(max_length=3, default="CNY")
    payer_name = models.CharField(_("付款人"), max_length=200, blank=True)
    memo = models.CharField(_("附言"), max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.CharField(max_length=300, blank=True)  # why it did not match
    intent = models.ForeignKey(
        PaymentIntent, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_lines"
    )

    class Meta:
        ordering = ["statement", "line_no"]
        constraints = [
            # The same bank transaction is matched once, however often it is uploaded.
            models.UniqueConstraint(
                fields=["bank_txn_id"], condition=Q(status="matched"), name="uniq_matched_bank_txn"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bank_txn_id} {self.amount}"


class Payout(PublicIdModel):
    """A company's request to be paid out of its wallet to its bank account (提现). The
    money is held (wallet → PAYOUT_HOLD) while the request is pending; an operator pays
    it at the bank and marks it paid with the bank's reference (PAYOUT_HOLD → bank
    clearing), or rejects it with a reason (PAYOUT_HOLD → back to the wallet)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待打款")
        PAID = "paid", _("已打款")
        REJECTED = "rejected", _("已驳回")

    TRANSITIONS = {
        Status.REQUESTED: {Status.PAID, Status.REJECTED},
        Status.PAID: set(),
        Status.REJECTED: set(),
    }

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="payouts")
    amount = models.DecimalField(_("金额"), **AMOUNT)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    bank_account = models.CharField(_("收款银行账户"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    bank_reference = models.CharField(_("银行流水号"), max_length=80, blank=True)
    reject_reason = models.CharField(_("驳回理由"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("提现申请")
        verbose_name_plural = _("提现申请")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["status", "requested_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="paid") | ~Q(bank_reference=""),
                name="payout_paid_has_bank_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.amount} {self.status}"

    @property
    def ref(self) -> str:
        return f"payout:{self.public_id}"


class CreditLine(PublicIdModel):
    """A seller's credit terms for one buyer (账期): how much may be owed, for how long."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        SUSPENDED = "suspended", _("已暂停")

    seller = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="credit_granted")
    buyer = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="credit_received")
    currency = models.CharField(max_length=3, default="CNY")
    limit = models.DecimalField(_("授信额度"), **AMOUNT)
    used = models.DecimalField(_("已用额度"), **AMOUNT, default=ZERO)
    days = models.PositiveSmallIntegerField(_("账期（天）"), default=30)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    granted_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("授信")
        verbose_name_plural = _("授信")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "buyer", "currency"], name="uniq_credit_line"
            ),
            models.CheckConstraint(condition=Q(limit__gte=0), name="credit_limit_not_negative"),
            models.CheckConstraint(condition=Q(used__gte=0), name="credit_used_not_negative"),
            # used may pass limit only when the seller lowers the limit afterwards; the
            # consume service's conditional update never lets an order push it over.
            models.CheckConstraint(
                condition=~Q(seller=models.F("buyer")), name="credit_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seller} → {self.buyer} {self.limit}"

    @property
    def available(self) -> Decimal:
        return max(self.limit - self.used, ZERO)


class Receivable(PublicIdModel):
    """What a buyer owes a seller for goods received on credit, due ``due_on``."""

    class Status(models.TextChoices):
        OPEN = "open", _("未结清")
        PAID = "paid", _("已结清")

    credit_line = models.ForeignKey(
        CreditLine, on_delete=models.PROTECT, related_name="receivables"
    )
    seller = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=80, unique=True)  # "order:<id>"
    amount = models.DecimalField(_("应收金额"), **AMOUNT)
    repaid = models.DecimalField(_("已还金额"), **AMOUNT, default=ZERO)
    currency = models.CharField(max_length=3, default="CNY")
    fee_percent = models.DecimalField(max_digits=7, decimal_places=3, default=0)
    due_on = models.DateField(_("到期日"))
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("应收账款")
        verbose_name_plural = _("应收账款")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["seller", "status", "due_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="receivable_amount_positive"),
            models.CheckConstraint(
                condition=Q(repaid__gte=0) & Q(repaid__lte=models.F("amount")),
                name="receivable_repaid_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.repaid

    @property
    def ref(self) -> str:
        return f"receivable:{self.public_id}"
