from django import forms
from django.utils.translation import gettext_lazy as _

from mercator.companies.models import Company
from mercator.companies.models.company import TIME_ZONES
from mercator.companies.roles import PERMISSIONS


class TokenForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=80)
    expires_at = forms.DateTimeField(
        label=_("过期时间（可选）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class PersonForm(forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=100)
    email = forms.EmailField(label=_("邮箱（登录名）"))
    phone = forms.CharField(label=_("手机"), max_length=32, required=False)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, min_length=8)


class CompanyForm(forms.Form):
    legal_name = forms.CharField(label=_("企业全称"), max_length=200, min_length=2)
    short_name = forms.CharField(label=_("简称"), max_length=60)
    kind = forms.ChoiceField(label=_("类型"), choices=Company.Kind.choices)
    province = forms.CharField(label=_("省份"), max_length=30, required=False)
    city = forms.CharField(label=_("城市"), max_length=30, required=False)
    industry = forms.CharField(label=_("行业"), max_length=60, required=False)
    size_band = forms.ChoiceField(label=_("规模"), choices=Company.SizeBand.choices)


class CompanyProfileForm(CompanyForm):
    """The boss's company profile: the registration fields and the company's settings."""

    inquiry_response_hours = forms.IntegerField(
        label=_("询盘首次回复时限（小时）"),
        min_value=1,
        max_value=720,
        required=False,
        help_text=_("成员收到询盘后超过此时限仍未回复，成员报告将其标为闲置。留空则用平台默认值。"),
    )
    time_zone = forms.ChoiceField(
        label=_("时区"),
        choices=[("", _("平台默认（北京时间）")), *TIME_ZONES],
        required=False,
        help_text=_("页面上的日期和时间按此时区显示。"),
    )


class VerificationForm(forms.Form):
    credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=40,
        strip=False,
        help_text=_("18 位，大写字母和数字，例如 91350100M000100Y43"),
    )
    bank_name = forms.CharField(label=_("开户银行"), max_length=100)
    bank_branch = forms.CharField(label=_("开户支行"), max_length=100)
    bank_account = forms.CharField(label=_("银行账号"), max_length=40)
    invoice_name = forms.CharField(label=_("发票抬头"), max_length=200)
    invoice_tax_no = forms.CharField(label=_("纳税人识别号"), max_length=40)
    invoice_address = forms.CharField(label=_("注册地址"), max_length=200)
    invoice_phone = forms.CharField(label=_("注册电话"), max_length=30)
    invoice_bank = forms.CharField(label=_("开票开户行及账号"), max_length=200)
    licence = forms.FileField(
        label=_("营业执照（照片或扫描件）"),
        required=False,
        help_text=_("JPEG、PNG 或 PDF，不超过 5 MB；仅平台审核人员可见。"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("邮箱（留空则生成邀请链接）"), required=False)
    role = forms.ChoiceField(label=_("角色"))
    days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=30, initial=7)

    def __init__(self, *args: object, roles: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles


class RoleForm(forms.Form):
    code = forms.SlugField(label=_("代码"), max_length=40, help_text=_("小写字母、数字、-、_"))
    name = forms.CharField(label=_("名称"), max_length=60)
    permissions = forms.MultipleChoiceField(
        label=_("权限"), choices=list(PERMISSIONS.items()), widget=forms.CheckboxSelectMultiple
    )


class ReviewForm(forms.Form):
    reason = forms.CharField(label=_("审核意见"), max_length=500, required=False)
