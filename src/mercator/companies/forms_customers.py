"""Forms of the customer pages. They only shape input; the services decide."""

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import Membership


def member_choices(members: Iterable[Membership]) -> list[tuple[str, str]]:
    choices = []
    for seat in members:
        label = seat.person.display_name
        if seat.title:
            label = f"{label}（{seat.title}）"
        if not seat.is_active:
            label = f"{label} · {_('已停用')}"
        choices.append((str(seat.public_id), label))
    return choices


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("客户名称"), max_length=200)
    owner = forms.ChoiceField(label=_("负责人"), required=False)
    counterpart_name = forms.CharField(
        label=_("平台企业全称（可选）"),
        max_length=200,
        required=False,
        help_text=_("客户也在平台上时，填写它的企业全称（与营业执照一致）即可关联。"),
    )
    province = forms.CharField(label=_("省份"), max_length=30, required=False)
    city = forms.CharField(label=_("城市"), max_length=30, required=False)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)
    notes = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self, *args: object, owners: list[Membership] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        if owners is None:
            # Only those who may give customers to others choose an owner.
            del self.fields["owner"]
        else:
            self.fields["owner"].choices = member_choices(owners)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=100)
    title = forms.CharField(label=_("职务"), max_length=60, required=False)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)
    is_key_person = forms.BooleanField(label=_("关键人"), required=False)


class TransferForm(forms.Form):
    to = forms.ChoiceField(label=_("交给"))

    def __init__(self, *args: object, members: list[Membership], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = member_choices(members)


class ReassignForm(forms.Form):
    to = forms.MultipleChoiceField(
        label=_("接手的同事"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一位接手的同事。")},
    )
    fingerprint = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: object, members: list[Membership], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = member_choices(members)
