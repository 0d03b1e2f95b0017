from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from mercator.core import throttle
from mercator.core.errors import DomainError


class LoginForm(AuthenticationForm):
    """Django's sign-in form with throttling per account and per address."""

    username = forms.EmailField(
        label=_("邮箱"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": _("邮箱或密码不正确。"),
        "inactive": _("此账户已停用。"),
        "throttled": _("登录失败次数过多，请 %(minutes)d 分钟后再试。"),
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.throttled = False

    def _ip(self) -> str | None:
        return self.request.META.get("REMOTE_ADDR") if self.request else None

    def clean(self) -> dict[str, Any]:
        email = (self.data.get("username") or "").strip().lower()
        if email and throttle.login_blocked(email, self._ip()):
            self.throttled = True
            minutes = max(1, settings.MERCATOR["LOGIN_WINDOW_SECONDS"] // 60)
            raise forms.ValidationError(
                self.error_messages["throttled"], code="throttled", params={"minutes": minutes}
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if email:
                throttle.login_failed(email, self._ip())
            raise
        throttle.login_succeeded(email)
        return cleaned


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: on the field(s) it names, else on top.

    ``details["fields"]`` is either ``{name: [messages]}`` (from ``full_clean``) or a list
    of field names the message is about; ``details["field"]`` names one field."""
    details = error.details if isinstance(error.details, dict) else {}
    fields = details.get("fields")
    if isinstance(fields, dict):
        for name, messages in fields.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
        return
    if isinstance(fields, list | tuple) and len(fields) == 1:
        field = fields[0]
    else:
        field = details.get("field")
    form.add_error(field if field in form.fields else None, str(error.message))
