"""Forms of the order and cart pages. They only shape input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mercator.catalog.provinces import province_choices
from mercator.payments.models import PaymentIntent
from mercator.trading.forms import TermsFields

TERMS = ("payment_terms", "credit_days", "delivery_method", "destination_province")


class CheckoutForm(TermsFields):
    """The cart's terms (they price every line) and the order's note. The province is
    picked from the one list of provinces (catalog.provinces)."""

    destination_province = forms.ChoiceField(
        label=_("送达省份"), choices=province_choices, required=False
    )
    note = forms.CharField(
        label=_("备注"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # The total the review page showed; placing refuses if the prices moved since.
    expected_total = forms.DecimalField(
        required=False, max_digits=20, decimal_places=2, widget=forms.HiddenInput
    )

    def terms(self) -> dict[str, object]:
        """The terms to price with: the cleaned ones, else the initial ones (an invalid
        entry leaves the form's errors to show and prices at the defaults)."""
        data = getattr(self, "cleaned_data", None) or {}
        return {
            name: data.get(name, self.initial.get(name, self.fields[name].initial))
            for name in TERMS
        }


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
    carrier = forms.CharField(
        label=_("承运方"),
        max_length=100,
        required=False,
        help_text=_("例如：顺丰速运、德邦物流、自有车辆"),
    )
    tracking_no = forms.CharField(label=_("运单号"), max_length=100, required=False)
    note = forms.CharField(label=_("备注"), max_length=500, required=False)
