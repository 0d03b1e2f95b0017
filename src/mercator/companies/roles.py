"""Roles as named permission sets (DOMAIN.md §1).

The master account (母账户) holds every permission; sub accounts (子账户) and parallel
accounts (平行账户, finance and purchasing) hold what their set lists."""

from django.db import models
from django.utils.translation import gettext_lazy as _

PERMISSIONS: dict[str, str] = {
    "company.view": _("查看企业资料"),
    "members.view": _("查看成员"),
    "members.manage": _("管理成员与邀请"),
    "audit.view": _("查看审计记录"),
    "tokens.manage_own": _("管理自己的 API 令牌"),
}


class Role(models.TextChoices):
    MASTER = "master", _("母账户（老板）")
    MANAGER = "manager", _("经理")
    SALES = "sales", _("销售伙计")
    PURCHASING = "purchasing", _("采购")
    FINANCE = "finance", _("财务")
    VIEWER = "viewer", _("只读")


_BASE = {"company.view", "tokens.manage_own"}
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.MASTER: frozenset(PERMISSIONS),
    Role.MANAGER: frozenset(_BASE | {"members.view", "audit.view"}),
    Role.SALES: frozenset(_BASE),
    Role.PURCHASING: frozenset(_BASE),
    Role.FINANCE: frozenset(_BASE | {"members.view"}),
    Role.VIEWER: frozenset({"company.view"}),
}


def permissions_for(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())
