"""Forms of the warehouse pages. They only shape input: the services parse quantities,
rates and ids exactly (the same rules as the API) and their refusals come back onto these
forms (``core.forms.add_domain_error``)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Unit
from mercator.catalog.provinces import PROVINCES
from mercator.logistics.models import Lot, StoragePolicy, Warehouse


def _number(label: Any, initial: str = "", required: bool = False) -> forms.CharField:
    # Typed text: the service parses it exactly and answers in the user's language.
    return forms.CharField(
        label=label,
        required=required,
        initial=initial,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class WarehouseForm(forms.Form):
    operator_id = forms.ChoiceField(label=_("经营企业"))
    code = forms.SlugField(
        label=_("仓库代码"), max_length=40, help_text=_("英文字母、数字和连字符，例如 qixia-cold")
    )
    name = forms.CharField(label=_("仓库名称"), max_length=100)
    name_en = forms.CharField(label=_("英文名称"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=Warehouse.Kind.choices)
    province = forms.ChoiceField(label=_("省份"))
    city = forms.CharField(label=_("城市"), max_length=30, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    capacity = _number(_("库容"), required=True)
    capacity_unit = forms.ChoiceField(label=_("库容单位"), choices=Unit.choices)
    temperature = forms.CharField(
        label=_("温控"), max_length=40, required=False, help_text=_("例如 0–2 ℃；常温仓库留空")
    )
    accepts = forms.MultipleChoiceField(
        label=_("接收品类"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示接收任何品类"),
    )

    def __init__(
        self,
        *args: Any,
        companies: list[tuple[str, str]],
        categories: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["operator_id"].choices = [("", "—"), *companies]
        self.fields["province"].choices = [("", "—"), *PROVINCES]
        self.fields["accepts"].choices = categories


class PolicyForm(forms.Form):
    sku_id = forms.ChoiceField(label=_("适用范围"), required=False)
    kind = forms.ChoiceField(label=_("计费方式"), choices=StoragePolicy.Kind.choices)
    rate_per_day = _number(_("每单位每天仓储费（元）"), required=True)
    flat_days = forms.CharField(
        label=_("出库计费天数"),
        required=False,
        initial="30",
        max_length=6,
        help_text=_("仅“等待免费，出库按固定天数计费”使用"),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    min_fee = _number(_("最低收费（元）"), "0")
    payer = forms.ChoiceField(label=_("付费方"), choices=StoragePolicy.Payer.choices)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args: Any, skus: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sku_id"].choices = [("", _("默认（所有其他 SKU）")), *skus]


class InboundBookForm(forms.Form):
    sku_id = forms.ChoiceField(label=_("SKU"))
    quantity = _number(_("预约数量"), required=True)
    expected_on = forms.DateField(
        label=_("预计到库日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("备注"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, skus: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sku_id"].choices = [("", "—"), *skus]


class ReceiveForm(forms.Form):
    quantity = _number(_("实收数量"), required=True)
    grade = forms.CharField(label=_("等级"), max_length=60, required=False)
    location = forms.CharField(label=_("库位"), max_length=60, required=False)
    inspection = forms.ChoiceField(
        label=_("质检结果"), choices=[("", "—"), *Lot.Inspection.choices]
    )
    inspection_note = forms.CharField(
        label=_("质检说明"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    file = forms.FileField(
        label=_("照片或质检单据（JPEG、PNG 或 PDF，可选）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
