"""Forms of the group-buy pages. They collect text; the services validate (a refusal is
shown on the field it names, ``core.forms.add_domain_error``). Tiers are repeated rows
(``tier_qty_N``/``tier_price_N``); blank rows are left out."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mercator.catalog.provinces import PROVINCES
from mercator.companies.models import Company

TIER_ROWS = 4


class GroupBuyForm(forms.Form):
    sku = forms.ChoiceField(label=_("商品规格"))
    title = forms.CharField(label=_("标题"), max_length=120)
    description = forms.CharField(
        label=_("说明"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    regions = forms.MultipleChoiceField(
        label=_("限定地区（不选为不限）"),
        required=False,
        choices=PROVINCES,
        widget=forms.CheckboxSelectMultiple,
    )
    size_bands = forms.MultipleChoiceField(
        label=_("限定企业规模（不选为不限）"),
        required=False,
        choices=Company.SizeBand.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    list_price = forms.CharField(label=_("单独采购价（元/单位）"), max_length=24)
    min_quantity = forms.CharField(label=_("成团最低总量"), max_length=24)
    max_quantity = forms.CharField(label=_("总量上限（可空）"), max_length=24, required=False)
    min_commit = forms.CharField(label=_("每家最低认购量"), max_length=24, initial="1")
    deposit_percent = forms.CharField(label=_("保证金比例（%）"), max_length=8, initial="10")
    deadline = forms.DateTimeField(
        label=_("截止时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    delivery_from = forms.DateField(
        label=_("交货开始"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    delivery_to = forms.DateField(
        label=_("交货结束"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    terms = forms.CharField(
        label=_("交易条款"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    withdraw_hours = forms.CharField(
        label=_("截止前多少小时内不可退出（空为不允许退出）"),
        max_length=4,
        required=False,
        initial="24",
    )
    pay_hours = forms.CharField(label=_("成团后付款期限（小时）"), max_length=4, initial="72")

    def __init__(self, *args: Any, sku_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sku"].choices = sku_choices
        for i in range(1, TIER_ROWS + 1):
            self.fields[f"tier_qty_{i}"] = forms.CharField(
                label=_("档位 %(n)s：总量达到") % {"n": i}, max_length=24, required=False
            )
            self.fields[f"tier_price_{i}"] = forms.CharField(
                label=_("档位 %(n)s：团购价") % {"n": i}, max_length=24, required=False
            )

    def tier_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"tier_qty_{i}"], self[f"tier_price_{i}"]) for i in range(1, TIER_ROWS + 1)]

    def plain_fields(self) -> list[forms.BoundField]:
        return [f for f in self if not f.name.startswith("tier_")]

    def data_for_service(self) -> dict[str, Any]:
        c = self.cleaned_data
        tiers = [
            {"min_quantity": c.get(f"tier_qty_{i}"), "unit_price": c.get(f"tier_price_{i}")}
            for i in range(1, TIER_ROWS + 1)
            if c.get(f"tier_qty_{i}") or c.get(f"tier_price_{i}")
        ]
        data = {
            name: c.get(name)
            for name in (
                "sku",
                "title",
                "description",
                "regions",
                "size_bands",
                "list_price",
                "min_quantity",
                "max_quantity",
                "min_commit",
                "deposit_percent",
                "deadline",
                "delivery_from",
                "delivery_to",
                "terms",
                "withdraw_hours",
                "pay_hours",
            )
        }
        data["tiers"] = tiers
        return data

    def add_error(self, field: str | None, error: Any) -> None:
        # A service names a tier as "tiers.N.unit_price": show it on that row's field.
        if field and field.startswith("tiers."):
            parts = field.split(".")
            index = int(parts[1]) + 1 if len(parts) > 1 and parts[1].isdigit() else 1
            kind = "price" if field.endswith("unit_price") else "qty"
            field = f"tier_{kind}_{min(index, TIER_ROWS)}"
        elif field == "tiers":
            field = "tier_qty_1"
        super().add_error(field, error)


def initial_from(gb: Any, tiers: list[Any]) -> dict[str, Any]:
    """A draft's fields as the form's initial values."""
    initial = {
        "sku": str(gb.sku.public_id),
        "title": gb.title,
        "description": gb.description,
        "regions": gb.regions,
        "size_bands": gb.size_bands,
        "list_price": gb.list_price,
        "min_quantity": gb.min_quantity,
        "max_quantity": gb.max_quantity or "",
        "min_commit": gb.min_commit,
        "deposit_percent": gb.deposit_percent,
        "deadline": gb.deadline,
        "delivery_from": gb.delivery_from,
        "delivery_to": gb.delivery_to,
        "terms": gb.terms,
        "withdraw_hours": "" if gb.withdraw_hours is None else gb.withdraw_hours,
        "pay_hours": gb.pay_hours,
    }
    for i, tier in enumerate(tiers[:TIER_ROWS], start=1):
        initial[f"tier_qty_{i}"] = tier.min_quantity
        initial[f"tier_price_{i}"] = tier.unit_price
    return initial


class CommitForm(forms.Form):
    quantity = forms.CharField(label=_("认购数量"), max_length=24)
    delivery_province = forms.ChoiceField(
        label=_("送达省份"), required=False, choices=[("", "—"), *PROVINCES]
    )
