"""Forms of the forward-trading pages. They only shape input: ``forward_offer_create``
parses and decides (the same rules as the API), and its refusals come back onto these
forms (``show_offer_error``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mercator.core.errors import DomainError
from mercator.core.forms import add_domain_error

MONTH_ROWS = 6  # delivery-month rows on the page (the service takes up to 24 by API)


def _number(label: str, initial: str = "") -> forms.CharField:
    # Typed text: the service parses amounts exactly and answers in the user's language.
    return forms.CharField(
        label=label,
        required=False,
        initial=initial,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class ForwardOfferForm(forms.Form):
    sku = forms.ChoiceField(label=_("商品规格"))
    title = forms.CharField(label=_("标题"), max_length=120, required=False)
    margin_percent = _number(_("保证金比例（%）"), "10")
    forfeit_percent = _number(_("违约罚没比例（%）"), "100")
    pay_hours = forms.CharField(
        label=_("交割付款期限（小时）"),
        required=False,
        initial="72",
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    delivery_terms = forms.CharField(
        label=_("交割条款"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    description = forms.CharField(
        label=_("说明"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: object, skus: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sku"].choices = [("", "—"), *skus]


class ForwardMonthForm(forms.Form):
    month = forms.CharField(
        label=_("交割月份"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    quantity = _number(_("数量"))
    ask_price = _number(_("卖方报价"))

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(data.get(k) for k in ("month", "quantity", "ask_price"))


def show_offer_error(
    form: ForwardOfferForm, rows: list[ForwardMonthForm], error: DomainError
) -> None:
    """Put the service's refusal on the field it names: ``months[i].quantity`` is the
    i-th filled row's quantity; anything else on the offer form (or on top)."""
    details = error.details if isinstance(error.details, dict) else {}
    field = str(details.get("field") or "")
    if field.startswith("months[") and "]." in field:
        index, _dot, name = field[len("months[") :].partition("].")
        if index.isdigit() and int(index) < len(rows) and name in rows[int(index)].fields:
            rows[int(index)].add_error(name, str(error.message))
            return
    add_domain_error(form, error)
