from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=80)
    expires_at = forms.DateTimeField(
        label=_("过期时间（可选）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
