"""Forms of the trading pages. They only shape input; the services decide."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.catalog.models import Unit
from mercator.pricing.models import DeliveryMethod, PaymentTerms

RFQ_LINE_ROWS = 5


def _in_days(days: int) -> str:
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class TermsFields(forms.Form):
    payment_terms = forms.ChoiceField(label=_("付款方式"), choices=PaymentTerms.choices)
    credit_days = forms.IntegerField(label=_("账期（天）"), min_value=0, max_value=365, initial=0)
    delivery_method = forms.ChoiceField(label=_("提货方式"), choices=DeliveryMethod.choices)
    destination_province = forms.CharField(label=_("送达省份"), max_length=30, required=False)


class RfqForm(TermsFields):
    title = forms.CharField(label=_("标题"), max_length=200)
    deadline = forms.DateTimeField(label=_("报价截止时间"), widget=DateTimeInput())
    sellers = forms.MultipleChoiceField(
        label=_("邀请卖家"), required=False, widget=forms.CheckboxSelectMultiple
    )
    open_market = forms.BooleanField(label=_("公开询价（所有卖家可报价）"), required=False)
    note = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = ["title", "payment_terms", "credit_days", "delivery_method"]

    def __init__(self, *args: object, sellers: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sellers"].choices = sellers
        if not self.is_bound:
            self.initial.setdefault("deadline", _in_days(3))


class RfqLineForm(forms.Form):
    sku = forms.ChoiceField(label=_("商品"), required=False)
    product_name = forms.CharField(
        label=_("品名（无对应商品时填写）"), max_length=200, required=False
    )
    quantity = forms.DecimalField(label=_("数量"), required=False, max_digits=20, decimal_places=4)
    unit = forms.ChoiceField(label=_("单位"), choices=[("", "—"), *Unit.choices], required=False)

    def __init__(self, *args: object, skus: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sku"].choices = [("", "—"), *skus]

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(data.get(k) for k in ("sku", "product_name", "quantity"))


class InquiryForm(forms.Form):
    quantity = forms.DecimalField(
        label=_("数量（可选）"), required=False, max_digits=20, decimal_places=4
    )
    message = forms.CharField(
        label=_("询盘内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_("回复"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AssignForm(forms.Form):
    member = forms.ChoiceField(label=_("分配给"))

    def __init__(self, *args: object, members: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = members


class QuoteHeaderForm(TermsFields):
    buyer = forms.ChoiceField(label=_("买方企业"), required=False)
    valid_until = forms.DateTimeField(label=_("有效期至"), widget=DateTimeInput())
    note = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: object, buyers: list[tuple[str, str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        if buyers is None:
            del self.fields["buyer"]
        else:
            self.fields["buyer"].choices = [("", "—"), *buyers]
        if not self.is_bound:
            self.initial.setdefault("valid_until", _in_days(7))


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("留言"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
