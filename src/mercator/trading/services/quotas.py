"""Monthly quotas of quotes (seller) and inquiries (buyer) per market, a grade privilege
(seed §10; the grade's ``monthly_quote_quota`` / ``monthly_inquiry_quota``, read through
``membership.privileges``). A quote counts in the market of its SKU lines, an inquiry in
its listing's; the month is the calendar month in the company's time zone (else
Asia/Shanghai). ``quota_check`` runs inside the writer's transaction after locking the
company's row, so the count and the insert that follows are one step: two concurrent
requests cannot both take the last one. Over the quota: 409 ``quota_exceeded``, naming
the grade, the quota and when it resets; nothing is written."""

from datetime import datetime

from django.utils import formats
from django.utils.translation import gettext as _

from mercator.companies.models import Company
from mercator.core.errors import Conflict
from mercator.membership import privileges
from mercator.trading.selectors.quotas import quota_use

QUOTE = privileges.QUOTE
INQUIRY = privileges.INQUIRY


def quota_check(
    company: Company, market_id: int | None, kind: str, *, now: datetime | None = None
) -> None:
    """Refuse (409) one more quote or inquiry over the month's quota. Call it inside the
    writer's transaction, before the insert."""
    if privileges.quota_of(company.pk, market_id, kind) is None:
        return
    privileges.quota_lock(company.pk)
    use = quota_use(company, market_id, kind, now=now)
    if use is None or use.used < use.limit:
        return
    resets = formats.date_format(use.resets_at.date(), "SHORT_DATE_FORMAT")
    if kind == QUOTE:
        message = _("本月报价额度已用完：%(grade)s每月可发 %(limit)d 份报价，%(resets)s 重置。")
    else:
        message = _("本月询盘额度已用完：%(grade)s每月可发 %(limit)d 条询盘，%(resets)s 重置。")
    raise Conflict(
        message % {"grade": use.grade_name, "limit": use.limit, "resets": resets},
        code="quota_exceeded",
        details={
            "grade": use.grade_name,
            "quota": use.limit,
            "used": use.used,
            "resets_at": use.resets_at.isoformat(),
        },
    )
