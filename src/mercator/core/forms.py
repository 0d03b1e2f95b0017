from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from mercator.core import throttle, twofactor
from mercator.core.errors import DomainError


class ThrottledLoginMixin:
    """The one sign-in check for every login form (web and admin): a blocked account or
    address is refused before the password is looked at, even the right one; a wrong
    password counts against both. ``throttled`` tells the view to answer 429."""

    request: Any
    data: Any
    throttle_message = _("登录失败次数过多，请 %(minutes)d 分钟后再试。")

    def _ip(self) -> str | None:
        return self.request.META.get("REMOTE_ADDR") if self.request else None

    def clean(self) -> dict[str, Any]:
        self.throttled = False
        email = (self.data.get("username") or "").strip().lower()
        if email and throttle.login_blocked(email, self._ip()):
            self.throttled = True
            raise forms.ValidationError(
                self.throttle_message,
                code="throttled",
                params={"minutes": throttle.login_block_minutes()},
            )
        try:
            cleaned = super().clean()  # type: ignore[misc]
        except forms.ValidationError:
            if email:
                throttle.login_failed(email, self._ip())
            raise
        # With two-factor on, the password is only half of it: the failures (wrong codes
        # included) are forgiven when the code step succeeds, not here, or a known
        # password would reset the count between batches of guessed codes.
        if not twofactor.totp_enabled(self.get_user()):  # type: ignore[attr-defined]
            throttle.login_succeeded(email)
        return cleaned


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """Django's sign-in form with throttling per account and per address."""

    username = forms.EmailField(
        label=_("邮箱"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": _("邮箱或密码不正确。"),
        "inactive": _("此账户已停用。"),
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.throttled = False


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's sign-in form under the same throttle as the web one."""

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.throttled = False


class TotpCodeForm(forms.Form):
    """Six digits from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=_("验证码"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )


class TotpDisableForm(forms.Form):
    password = forms.CharField(
        label=_("密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = TotpCodeForm.base_fields["code"]


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("邮箱"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class NewPasswordForm(SetPasswordForm):
    """Django's new-password form (validators, two fields that must match) that saves
    through ``core.passwords.password_reset_complete``."""

    def save(self, commit: bool = True) -> Any:
        from mercator.core.passwords import password_reset_complete

        password_reset_complete(user=self.user, password=self.cleaned_data["new_password1"])
        return self.user


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
