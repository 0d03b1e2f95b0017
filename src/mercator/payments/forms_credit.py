"""Forms of the credit (账期) and bank reconciliation pages. They only shape input; the
services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mercator.payments.models import CreditLine, PaymentIntent


class CreditGrantForm(forms.Form):
    buyer = forms.ChoiceField(label=_("客户（平台企业）"), required=False)
    buyer_lookup = forms.CharField(
        label=_("或输入企业统一社会信用代码 / 全称"),
        max_length=200,
        required=False,
        help_text=_("给不在客户列表中的已认证企业授信。"),
    )
    limit = forms.DecimalField(
        label=_("授信额度（元）"), min_value=0, max_digits=17, decimal_places=2
    )
    days = forms.IntegerField(label=_("账期（天）"), min_value=1, max_value=365, initial=30)

    def __init__(
        self, *args: object, buyers: list[tuple[str, str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["buyer"].choices = [("", _("— 选择客户 —")), *(buyers or [])]

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("buyer") and not (cleaned.get("buyer_lookup") or "").strip():
            raise forms.ValidationError(_("请选择客户，或输入企业的信用代码或全称。"))
        return cleaned


class CreditUpdateForm(forms.Form):
    limit = forms.DecimalField(
        label=_("授信额度（元）"), min_value=0, max_digits=17, decimal_places=2
    )
    days = forms.IntegerField(label=_("账期（天）"), min_value=1, max_value=365)
    status = forms.ChoiceField(label=_("状态"), choices=CreditLine.Status.choices)


class RepayForm(forms.Form):
    method = forms.ChoiceField(
        label=_("支付方式"),
        choices=PaymentIntent.Method.choices,
        initial=PaymentIntent.Method.BANK_TRANSFER,
    )
    amount = forms.DecimalField(
        label=_("还款金额（留空 = 全部未还金额）"),
        required=False,
        min_value=0,
        max_digits=17,
        decimal_places=2,
    )


class BankStatementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("银行对账单（CSV）"),
        help_text=_(
            "列：流水号、日期、金额、币种、付款人、附言（中文或英文表头均可）；UTF-8 或 GBK 编码。"
        ),
    )


class BankLineResolveForm(forms.Form):
    intent = forms.CharField(
        label=_("匹配付款单（识别码或编号，可选）"), max_length=64, required=False
    )
    note = forms.CharField(label=_("处理说明"), max_length=300, required=False)
