"""What an unverified company still lacks, and what it may do meanwhile.

The rules are the trading and payments services' own: ``require_verified`` (trading) lets
only a verified company ask (询盘), request quotes (询价), quote, put goods in the cart,
order, pay, ship or confirm receipt; ``credit_line_grant`` refuses an unverified seller;
the market (catalog selectors) hides an unverified seller's listings; the price index is
for verified companies. What is left (browse the market, prepare the catalog and price
lists, invite colleagues, set approval rules) is listed as "meanwhile"."""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mercator.catalog.selectors import SELLER_KINDS
from mercator.catalog.services import can_manage_catalog
from mercator.companies.forms import VerificationForm
from mercator.companies.models import Company, CompanyVerification
from mercator.companies.selectors.members import verification_latest
from mercator.core.actor import Actor


@dataclass(frozen=True)
class Step:
    label: str | Promise
    url: str = ""


@dataclass
class VerificationStatus:
    status: str  # Company.Verification value
    status_label: str | Promise
    headline: str | Promise
    missing: list[str | Promise] = field(default_factory=list)
    reason: str = ""  # the operator's reason for a rejection
    blocked: list[str | Promise] = field(default_factory=list)
    meanwhile: list[Step] = field(default_factory=list)
    may_submit: bool = False
    submit_url: str = ""


# What require_verified / _verified_company refuse (trading and payments services).
BLOCKED = (
    _("发询盘、发询价单"),
    _("报价、接受报价"),
    _("加入购物车、下单"),
    _("付款、发货、确认收货"),
    _("给客户授信"),
    _("查看市场价格指数"),
)


def _meanwhile(actor: Actor, company: Company) -> list[Step]:
    steps = [Step(_("浏览市场和商品"), reverse("catalog"))]
    if company.kind in SELLER_KINDS and can_manage_catalog(actor):
        steps.append(
            Step(_("准备商品目录和价格表（认证后才在市场上展示）"), reverse("seller-products"))
        )
    if actor.can("members.manage"):
        steps.append(Step(_("邀请同事、分配角色"), reverse("members")))
    if actor.can("approvals.manage"):
        steps.append(Step(_("设置审批规则"), reverse("approval-rules")))
    return steps


def verification_status(actor: Actor) -> VerificationStatus | None:
    """None for a verified company (nothing to show); else where it stands, what is
    missing and what it may do meanwhile."""
    company = actor.require_company()
    if company.is_verified:
        return None
    latest = verification_latest(actor)
    V = Company.Verification
    may_submit = actor.can("company.manage")
    result = VerificationStatus(
        status=company.verification_status,
        status_label=company.get_verification_status_display(),
        headline="",
        blocked=list(BLOCKED),
        meanwhile=_meanwhile(actor, company),
        may_submit=may_submit,
        submit_url=reverse("company-profile"),
    )
    if latest is not None and latest.status == CompanyVerification.Status.PENDING:
        result.headline = _("认证资料已提交，正在等待平台审核。审核通过后即可交易。")
        result.may_submit = False
        return result
    if latest is not None and latest.status == CompanyVerification.Status.REJECTED:
        result.headline = _("上次提交的认证未通过，请按审核意见修改后重新提交。")
        result.reason = latest.reason
    else:
        result.headline = _("贵公司尚未提交企业认证。认证后才能询盘、报价、下单和付款。")
    if company.verification_status == V.PENDING:  # a status without a pending row
        result.headline = _("认证资料已提交，正在等待平台审核。审核通过后即可交易。")
        result.may_submit = False
        return result
    result.missing = [item.label for item in VerificationForm.base_fields.values()]
    return result
