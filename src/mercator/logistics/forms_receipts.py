"""Forms of the receipt page's actions. They collect text; the services validate (a
refusal is shown on the field it names, ``core.forms.add_domain_error``). Each carries
the ``version`` of the receipt the member saw, so an action confirmed on a receipt that
changed since is refused (409 ``receipt_changed``) rather than applied to something else.

Transfer and pledge name a company: the member types part of its name (``company_q``),
picks it among the verified companies found (``company``: its public id), then
confirms."""

from django import forms
from django.utils.translation import gettext_lazy as _


class _ReceiptActionForm(forms.Form):
    # Four forms on one page: each its own element ids (the names stay plain).
    action = ""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", f"{self.action}_%s")
        super().__init__(*args, **kwargs)

    version = forms.IntegerField(
        label=_("仓单版本（请刷新页面后重试）"),
        widget=forms.HiddenInput,
        min_value=1,
        max_value=2**31 - 1,
    )


class _CounterpartyForm(_ReceiptActionForm):
    company_q = forms.CharField(
        label=_("企业名称"),
        max_length=60,
        required=False,
        help_text=_("输入企业简称或全称中的至少两个字，在已认证企业中查找。"),
    )
    company = forms.UUIDField(label=_("所选企业"), required=False, widget=forms.HiddenInput)
    ref = forms.CharField(label=_("依据编号"), max_length=80, required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("company") and len((data.get("company_q") or "").strip()) < 2:
            self.add_error("company_q", _("请输入企业名称中的至少两个字。"))
        return data


class TransferForm(_CounterpartyForm):
    action = "transfer"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company_q"].label = _("受让企业")
        self.fields["ref"].label = _("依据编号（如合同号）")


class PledgeForm(_CounterpartyForm):
    action = "pledge"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company_q"].label = _("质权人（放款机构）")
        self.fields["ref"].label = _("质押依据（如借款合同号）")


class CancelForm(_ReceiptActionForm):
    action = "cancel"
    reason = forms.CharField(label=_("注销原因"), max_length=300, required=False)


class UnpledgeForm(_ReceiptActionForm):
    action = "unpledge"
    note = forms.CharField(label=_("备注（如还款凭证号）"), max_length=300, required=False)
