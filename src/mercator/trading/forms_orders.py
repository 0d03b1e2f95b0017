"""Forms of the order and cart pages. They only shape input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mercator.payments.models import PaymentIntent
from mercator.trading.forms import TermsFields


class CheckoutForm(TermsFields):
    note = forms.CharField(
        label=_("备注"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class QuickOrderForm(forms.Form):
    text = forms.CharField(
        label=_("SKU 编码和数量"),
        max_length=10_000,
        widget=forms.Textarea(
            attrs={
                "rows": 10,
                "placeholder": "WS1-01 100\n崇左糖厂:WS1-01 50",
                "data-testid": "quick-text",
            }
        ),
        help_text=_(
            "每行一个：SKU编码 数量（空格、逗号或制表符分隔）；"
            "多个卖家有同一编码时写“卖家简称:SKU编码”。"
        ),
    )


class PayForm(forms.Form):
    method = forms.ChoiceField(label=_("支付方式"), choices=PaymentIntent.Method.choices)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500)


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("承运方"), max_length=100, required=False)
    tracking_no = forms.CharField(label=_("运单号"), max_length=100, required=False)
    note = forms.CharField(label=_("备注"), max_length=500, required=False)
