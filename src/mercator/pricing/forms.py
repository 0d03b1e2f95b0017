"""Forms of the pricing pages: thin input checks; the services decide the rest."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mercator.core.names import localized
from mercator.pricing.models import DeliveryMethod, PaymentTerms

PRICE = {"max_digits": 20, "decimal_places": 4}
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _choices(items: list[Any], label: Any = str) -> list[tuple[str, str]]:
    return [(str(item.public_id), label(item)) for item in items]


class ClassForm(forms.Form):
    code = forms.SlugField(label=_("代码"), max_length=40, help_text=_("英文字母、数字或连字符"))
    name = forms.CharField(label=_("名称"), max_length=60)


class AssignmentForm(forms.Form):
    buyer = forms.ChoiceField(label=_("客户企业"))
    customer_class = forms.ChoiceField(label=_("客户等级"))

    def __init__(self, *args: Any, buyers: list[Any], classes: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["buyer"].choices = _choices(buyers, lambda c: c.short_name)
        self.fields["customer_class"].choices = _choices(classes, lambda c: c.name)


class PriceListForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    customer_class = forms.ChoiceField(label=_("客户等级"), required=False)
    grade = forms.ChoiceField(
        label=_("会员等级特价"),
        required=False,
        help_text=_("只对该市场中正好是此会员等级的买家生效；不能与客户等级同时选择。"),
    )
    priority = forms.IntegerField(
        label=_("优先级"), min_value=0, max_value=32767, initial=100, help_text=_("数字小的优先")
    )
    valid_from = forms.DateTimeField(label=_("生效时间"), required=False, widget=DATETIME)
    valid_until = forms.DateTimeField(label=_("失效时间"), required=False, widget=DATETIME)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(
        self, *args: Any, classes: list[Any], grades: list[Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer_class"].choices = [
            ("", _("（默认：所有客户）")),
            *_choices(classes, lambda c: c.name),
        ]
        self.fields["grade"].choices = [
            ("", _("（不针对会员等级）")),
            *_choices(grades or [], lambda g: f"{localized(g.market)} · {localized(g)}"),
        ]


class RuleForm(forms.Form):
    sku = forms.ChoiceField(label=_("SKU"))
    min_qty = forms.DecimalField(label=_("起始数量"), initial=0, **PRICE)
    unit_price = forms.DecimalField(label=_("单价"), **PRICE)
    allow_increase = forms.BooleanField(label=_("允许高于小批量价"), required=False)

    def __init__(self, *args: Any, skus: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sku"].choices = _choices(skus, lambda s: f"{s.code} {s.name}")


class CustomerPriceForm(forms.Form):
    buyer = forms.ChoiceField(label=_("客户企业"))
    sku = forms.ChoiceField(label=_("SKU"))
    min_qty = forms.DecimalField(label=_("起始数量"), initial=0, **PRICE)
    unit_price = forms.DecimalField(label=_("单价"), **PRICE)
    valid_from = forms.DateTimeField(label=_("生效时间"), required=False, widget=DATETIME)
    valid_until = forms.DateTimeField(label=_("失效时间"), required=False, widget=DATETIME)

    def __init__(self, *args: Any, buyers: list[Any], skus: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["buyer"].choices = _choices(buyers, lambda c: c.short_name)
        self.fields["sku"].choices = _choices(skus, lambda s: f"{s.code} {s.name}")


class TermsForm(forms.Form):
    credit_percent = forms.DecimalField(
        label=_("账期年化费率（%）"), max_digits=8, decimal_places=4, initial=0
    )
    max_credit_days = forms.IntegerField(
        label=_("最长账期（天）"), min_value=0, max_value=3650, initial=90
    )
    prepaid_discount_percent = forms.DecimalField(
        label=_("预付款折扣（%）"), max_digits=6, decimal_places=3, initial=0
    )
    cod_surcharge_percent = forms.DecimalField(
        label=_("货到付款加价（%）"), max_digits=6, decimal_places=3, initial=0
    )


class FreightForm(forms.Form):
    origin = forms.CharField(label=_("发货地/仓库"), max_length=120)
    destination_province = forms.CharField(label=_("送达省份"), max_length=30)
    per_unit = forms.DecimalField(label=_("每单位运费"), **PRICE)
    minimum = forms.DecimalField(label=_("最低运费"), max_digits=20, decimal_places=2, initial=0)


class QuoteForm(forms.Form):
    quantity = forms.DecimalField(label=_("数量"), max_digits=20, decimal_places=4)
    payment_terms = forms.ChoiceField(
        label=_("付款方式"), choices=PaymentTerms.choices, initial=PaymentTerms.PREPAID
    )
    credit_days = forms.IntegerField(
        label=_("账期（天）"), min_value=0, max_value=3650, required=False, initial=30
    )
    delivery_method = forms.ChoiceField(
        label=_("提货方式"),
        choices=DeliveryMethod.choices,
        initial=DeliveryMethod.PICKUP,
        widget=forms.RadioSelect,
    )
    destination_province = forms.ChoiceField(label=_("送达省份"), required=False)

    def __init__(self, *args: Any, provinces: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["destination_province"].choices = [("", "—")] + [
            (p, localized(p)) for p in provinces
        ]
