"""Forms of the approvals pages. They only parse input; the services validate the rules
(threshold per condition, approvers of the company) and their errors land on the form."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import ApprovalRule, Membership
from mercator.companies.selectors.approvals import approval_role_label
from mercator.core.money import MINOR_UNITS

TRI_STATE = (("", _("不确定")), ("yes", _("是")), ("no", _("否")))


class ApproverChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        role = approval_role_label(obj.company, obj.role)
        return f"{obj.person.display_name}（{obj.title or role}）"


class ApprovalRuleForm(forms.Form):
    name = forms.CharField(label=_("规则名称"), max_length=100)
    document_kind = forms.ChoiceField(label=_("单据"), choices=ApprovalRule.DocumentKind.choices)
    condition = forms.ChoiceField(label=_("条件"), choices=ApprovalRule.Condition.choices)
    threshold = forms.DecimalField(
        label=_("阈值"),
        required=False,
        max_digits=20,
        decimal_places=4,
        help_text=_("金额按人民币元；折扣填百分比（0–100）；“未认证”和“首次交易”留空。"),
    )
    approver_role = forms.ChoiceField(label=_("审批角色"), required=False)
    approvers = ApproverChoiceField(
        label=_("指定审批人"),
        required=False,
        queryset=Membership.objects.none(),
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        role_choices: list[tuple[str, str]],
        candidates: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approver_role"].choices = [("", _("（不按角色）")), *role_choices]
        self.fields["approvers"].queryset = candidates

    @staticmethod
    def initial_for(rule: ApprovalRule) -> dict[str, Any]:
        return {
            "name": rule.name,
            "document_kind": rule.document_kind,
            "condition": rule.condition,
            "threshold": rule.threshold,
            "approver_role": rule.approver_role,
            "approvers": [m.public_id for m in rule.approvers.all()],
        }

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "document_kind": data["document_kind"],
            "condition": data["condition"],
            "threshold": data["threshold"],
            "approver_role": data["approver_role"],
            "approver_ids": [m.public_id for m in data["approvers"]],
        }


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("审批意见"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("驳回时必填")}),
    )


class TryRulesForm(forms.Form):
    """The facts of an imagined document, to see which rules would hold it."""

    document_kind = forms.ChoiceField(label=_("单据"), choices=ApprovalRule.DocumentKind.choices)
    amount = forms.DecimalField(label=_("金额"), required=False, min_value=0, max_digits=20)
    currency = forms.ChoiceField(
        label=_("币种"), choices=[(c, c) for c in MINOR_UNITS], initial="CNY"
    )
    discount_percent = forms.DecimalField(
        label=_("折扣（%）"), required=False, min_value=0, max_value=100, max_digits=7
    )
    counterpart_verified = forms.ChoiceField(
        label=_("对方企业已认证"), choices=TRI_STATE, required=False
    )
    first_deal_with_counterpart = forms.ChoiceField(
        label=_("与对方首次交易"), choices=TRI_STATE, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "try_%s")  # shares a page with the rule form
        super().__init__(*args, **kwargs)

    def facts(self) -> dict[str, Any]:
        """Only the facts given: an unknown fact is left out, so its rule fails safe."""
        data = self.cleaned_data
        facts: dict[str, Any] = {"currency": data["currency"]}
        for key in ("amount", "discount_percent"):
            if data[key] is not None:
                facts[key] = data[key]
        for key in ("counterpart_verified", "first_deal_with_counterpart"):
            if data[key]:
                facts[key] = data[key] == "yes"
        return facts
