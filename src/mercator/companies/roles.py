"""Roles as named permission sets (DOMAIN.md §1).

The master account (母账户) holds every permission; sub accounts (子账户) and parallel
accounts (平行账户, finance and purchasing) hold what their set lists."""

from django.db import models
from django.utils.translation import gettext_lazy as _

PERMISSIONS: dict[str, str] = {
    "company.view": _("查看企业资料"),
    "company.manage": _("修改企业资料、提交认证"),
    "members.view": _("查看成员"),
    "members.manage": _("邀请、停用成员，分配角色"),
    "roles.manage": _("定义自定义角色"),
    "audit.view": _("查看审计记录"),
    "tokens.manage_own": _("管理自己的 API 令牌"),
    "customers.manage": _("管理自己负责的客户和联系人"),
    "customers.view_all": _("查看企业的全部客户和联系人"),
    "customers.reassign": _("在成员之间移交客户和单据"),
    "reports.view": _("查看成员活跃报告"),
    "approvals.manage": _("设置审批规则"),
    "approvals.decide": _("审批（规则指定的审批人）"),
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
    Role.MANAGER: frozenset(
        _BASE
        | {
            "members.view",
            "audit.view",
            "customers.manage",
            "customers.view_all",
            "customers.reassign",
            "reports.view",
            "approvals.decide",
        }
    ),
    Role.SALES: frozenset(_BASE | {"customers.manage"}),
    Role.PURCHASING: frozenset(_BASE | {"customers.manage"}),
    Role.FINANCE: frozenset(_BASE | {"members.view", "approvals.decide"}),
    Role.VIEWER: frozenset({"company.view"}),
}
