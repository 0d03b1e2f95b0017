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
    "orders.place": _("下单采购（购物车、快速下单、报价转订单）"),
    "orders.view_all": _("查看企业的全部订单"),
    "orders.fulfil": _("处理销售订单：发货、取消"),
    "payments.pay": _("付款、确认收货、还款"),
    "payments.view": _("查看钱包、流水、付款和应收应付"),
    "payments.withdraw": _("从钱包提现"),
    "credit.manage": _("给客户授信（额度与账期）"),
    "invoices.issue": _("开具发票和红字发票"),
    "stock.manage": _("管理寄存在仓库的货物：预约入库、挂牌、提货、调运、仓单转让与质押"),
    "warehouse.operate": _("仓库作业：收货入库、出库、盘点、签发仓单（本企业经营的仓库）"),
    "fieldsales.work": _("地推作业：拜访目标企业、记录关键人、开户、推单（本人负责的目标）"),
    "fieldsales.manage": _("管理本企业的地推团队：人员、目标分配、四率报表和分润对账单"),
}


def permission_label(code: str) -> str:
    """A permission's name in the active language (the code itself if unknown, e.g. one
    a later release removed); pages show this, never the code."""
    label = PERMISSIONS.get(code)
    return str(label) if label is not None else code


class Role(models.TextChoices):
    MASTER = "master", _("母账户（老板）")
    MANAGER = "manager", _("经理")
    SALES = "sales", _("销售伙计")
    PURCHASING = "purchasing", _("采购")
    FINANCE = "finance", _("财务")
    VIEWER = "viewer", _("只读")
    FIELD_REP = "field_rep", _("地推专员")


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
            "orders.place",
            "orders.view_all",
            "orders.fulfil",
            "payments.view",
            "stock.manage",
            "warehouse.operate",
            "fieldsales.manage",
        }
    ),
    Role.SALES: frozenset(_BASE | {"customers.manage", "orders.fulfil", "stock.manage"}),
    Role.PURCHASING: frozenset(_BASE | {"customers.manage", "orders.place"}),
    Role.FINANCE: frozenset(
        _BASE
        | {
            "members.view",
            "approvals.decide",
            "orders.view_all",
            "payments.pay",
            "payments.view",
            "payments.withdraw",
            "credit.manage",
            "invoices.issue",
        }
    ),
    Role.VIEWER: frozenset({"company.view"}),
    Role.FIELD_REP: frozenset(_BASE | {"fieldsales.work"}),
}
