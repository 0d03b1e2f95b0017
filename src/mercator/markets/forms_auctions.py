"""Forms of the auction pages: a draft auction (the service checks every value again
and answers with the field at fault), a bid."""

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Unit
from mercator.catalog.provinces import PROVINCES
from mercator.markets.models import Auction


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


YES_NO = [("1", _("是")), ("0", _("否"))]


class AuctionForm(forms.Form):
    kind = forms.ChoiceField(label=_("拍卖方式"), choices=Auction.Kind.choices)
    sku = forms.ChoiceField(label=_("拍卖的商品（销售类必选）"), required=False)
    category = forms.ChoiceField(label=_("采购品类（采购类必选）"), required=False)
    title = forms.CharField(label=_("标题"), max_length=120)
    description = forms.CharField(
        label=_("说明"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    quantity = forms.CharField(label=_("数量"), max_length=30)
    unit = forms.ChoiceField(label=_("单位"), choices=[("", "—"), *Unit.choices], required=False)
    quality_grade = forms.CharField(label=_("质量等级"), max_length=60, required=False)
    province = forms.ChoiceField(
        label=_("货物所在省份"), choices=[("", "—"), *PROVINCES], required=False
    )
    location = forms.CharField(label=_("存放地点"), max_length=120, required=False)
    pickup_terms = forms.CharField(label=_("提货条款"), max_length=500, required=False)
    start_price = forms.CharField(label=_("起拍价（每单位）"), max_length=30)
    reserve_price = forms.CharField(label=_("保留价（不公开）"), max_length=30, required=False)
    min_increment = forms.CharField(label=_("加价/降价幅度"), max_length=30, required=False)
    buy_now_price = forms.CharField(
        label=_("一口价（英式，可不填）"), max_length=30, required=False
    )
    step_minutes = forms.IntegerField(label=_("降价/轮次间隔（分钟）"), initial=5, min_value=1)
    anti_snipe_minutes = forms.IntegerField(label=_("延时触发（分钟）"), initial=5, min_value=0)
    extend_minutes = forms.IntegerField(label=_("延时时长（分钟）"), initial=5, min_value=0)
    deposit_amount = forms.CharField(label=_("保证金（元）"), max_length=30, required=False)
    verified_only = forms.ChoiceField(label=_("仅认证企业"), choices=YES_NO, initial="1")
    regions = forms.MultipleChoiceField(
        label=_("限定地区（不选为不限）"),
        choices=PROVINCES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    starts_at = forms.DateTimeField(
        label=_("开始时间（不填为发布时）"), required=False, widget=DateTimeInput()
    )
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DateTimeInput())
    pay_hours = forms.IntegerField(label=_("付款期限（小时）"), initial=72, min_value=1)
    on_failure = forms.ChoiceField(label=_("未付款处理"), choices=Auction.OnFailure.choices)

    def __init__(
        self,
        *args: Any,
        skus: list[tuple[str, str]],
        categories: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sku"].choices = [("", "—"), *skus]
        self.fields["category"].choices = [("", "—"), *categories]
        if not self.is_bound:
            self.initial.setdefault("ends_at", timezone.localtime() + timedelta(days=2))

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["regions"] = list(data.get("regions") or [])
        for name in ("starts_at",):
            if data.get(name) is None:
                data[name] = ""
        return data


class BidForm(forms.Form):
    price = forms.CharField(label=_("出价（每单位）"), max_length=30, required=False)
    action = forms.CharField(required=False, widget=forms.HiddenInput)
