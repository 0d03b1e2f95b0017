"""Forms of the catalog pages. They only shape input; the services check it (units,
MOQ, stock), and their errors come back onto these forms."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mercator.catalog import selectors
from mercator.catalog.models import Sku, Unit


def category_choices() -> list[tuple[str, str]]:
    return [
        (c.code, f"{c.market.name} / {c.parent.name + ' / ' if c.parent_id else ''}{c.name}")
        for c in selectors.categories_all().order_by("market__name", "parent_id", "name")
    ]


class ProductForm(forms.Form):
    category = forms.ChoiceField(label=_("类目"))
    name = forms.CharField(label=_("品名"), max_length=200)
    name_en = forms.CharField(label=_("英文品名"), max_length=200, required=False)
    grade = forms.CharField(
        label=_("质量等级"), max_length=60, required=False, help_text=_("例如：国标一级")
    )
    specification = forms.CharField(
        label=_("规格说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    unit = forms.ChoiceField(label=_("计量单位"), choices=Unit.choices)
    min_order_qty = forms.CharField(label=_("起订量"), initial="1", max_length=30)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()


class SkuForm(forms.Form):
    code = forms.CharField(label=_("SKU 编码"), max_length=60)
    name = forms.CharField(
        label=_("规格名"), max_length=200, required=False, help_text=_("留空则用品名")
    )
    unit = forms.ChoiceField(
        label=_("计量单位"), choices=[("", _("同商品")), *Unit.choices], required=False
    )
    min_order_qty = forms.CharField(
        label=_("起订量"), max_length=30, required=False, help_text=_("留空则同商品")
    )


class ListingForm(forms.Form):
    sku = forms.ChoiceField(label=_("SKU"))
    origin = forms.CharField(label=_("发货地/仓库"), max_length=120)
    province = forms.CharField(label=_("省份"), max_length=30, required=False)
    city = forms.CharField(label=_("城市"), max_length=30, required=False)
    stock = forms.CharField(label=_("可售数量"), max_length=30, initial="0")
    lead_days = forms.CharField(label=_("交货天数"), max_length=5, initial="3")

    def __init__(self, *args: Any, skus: list[Sku] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if skus is None:
            del self.fields["sku"]
        else:
            self.fields["sku"].choices = [
                (str(s.public_id), f"{s.code} {s.name}（{s.get_unit_display()}）") for s in skus
            ]


class StockForm(forms.Form):
    delta = forms.CharField(label=_("增减数量"), max_length=30, help_text=_("正数入库，负数出库"))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
    dry_run = forms.BooleanField(label=_("仅校验，不保存"), required=False, initial=True)
