"""Forms of the invoice pages. They only shape input; the services decide."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.core.names import localized


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class PeriodInvoiceForm(forms.Form):
    buyer = forms.ChoiceField(label=_("买方"))
    period_start = forms.DateField(label=_("开始日期"), widget=DateInput())
    period_end = forms.DateField(label=_("结束日期"), widget=DateInput())

    def __init__(self, *args: object, buyers: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["buyer"].choices = buyers
        if not self.is_bound:
            today = timezone.localdate()
            first = today.replace(day=1)
            last_month_end = first - timedelta(days=1)
            self.initial.setdefault("period_start", last_month_end.replace(day=1))
            self.initial.setdefault("period_end", last_month_end)


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label=_("红冲原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class PriceIndexForm(forms.Form):
    product = forms.ChoiceField(label=_("品类与等级"), required=False)
    region = forms.ChoiceField(label=_("地区"), required=False)
    days = forms.TypedChoiceField(
        label=_("期间"),
        coerce=int,
        initial=90,
        choices=[
            (30, _("近 30 天")),
            (90, _("近 90 天")),
            (180, _("近 180 天")),
            (365, _("近一年")),
        ],
        required=False,
    )

    def __init__(
        self,
        *args: object,
        products: list[tuple[str, str]],
        regions: list[str],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = products
        self.fields["region"].choices = [("", _("全部地区")), *[(r, localized(r)) for r in regions]]
