"""Forms of the stock pages (selling from a lot, a pick-up, carrying out a release).
They collect text; the services validate, and a refusal is shown on the field it names
(``core.forms.add_domain_error``)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

QTY_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}


class LotListForm(forms.Form):
    quantity = forms.CharField(
        label=_("挂牌数量"), max_length=24, widget=forms.TextInput(attrs=QTY_ATTRS)
    )
    price_list = forms.ChoiceField(label=_("价目表"), required=False)
    lead_days = forms.IntegerField(label=_("交货天数"), min_value=0, max_value=365, initial=2)

    def __init__(self, *args: Any, price_lists: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["price_list"]
        field.choices = [("", _("（不指定，按默认价格）")), *price_lists]  # type: ignore[attr-defined]
        if price_lists:
            field.required = True
            field.choices = price_lists  # type: ignore[attr-defined]
        field.help_text = _("买家看到的价格按这张价目表计算（在“价格管理”中维护）。")


class PickupForm(forms.Form):
    quantity = forms.CharField(
        label=_("提货数量"), max_length=24, widget=forms.TextInput(attrs=QTY_ATTRS)
    )
    pickup_by = forms.CharField(
        label=_("提货人/车牌"), max_length=120, required=False, help_text=_("例：张师傅 鲁F·12345")
    )
    note = forms.CharField(
        label=_("备注"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExecuteForm(forms.Form):
    quantity = forms.CharField(
        label=_("本次出库数量"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs=QTY_ATTRS),
        help_text=_("留空为全部剩余数量。"),
    )
    vehicle = forms.CharField(label=_("车牌/提货人"), max_length=120, required=False)
