from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.companies.models.company import Company
from mercator.companies.models.people import Membership
from mercator.core.ids import PublicIdModel


class Customer(PublicIdModel):
    """A counterpart a clerk manages. It belongs to the company; ``owner`` is the member
    who looks after it ("the clerk leaves, the customer stays")."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="customers")
    owner = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="owned_customers",
        verbose_name=_("负责人"),
    )
    name = models.CharField(_("客户名称"), max_length=200)
    # The customer's own company when it is on the platform too.
    counterpart = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("平台企业"),
    )
    province = models.CharField(_("省份"), max_length=30, blank=True)
    city = models.CharField(_("城市"), max_length=30, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["name"]
        indexes = [models.Index(fields=["company", "owner"])]

    def __str__(self) -> str:
        return self.name


class Contact(PublicIdModel):
    """A person at a customer: the key person (关键人) and others."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contacts")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    owner = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="owned_contacts",
        verbose_name=_("负责人"),
    )
    name = models.CharField(_("姓名"), max_length=100)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    is_key_person = models.BooleanField(_("关键人"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        ordering = ["-is_key_person", "name"]

    def __str__(self) -> str:
        return self.name


class OwnershipChange(models.Model):
    """History of who had a record before: one row per record moved."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    record = models.CharField(max_length=128, db_index=True)  # typed reference
    from_owner = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    to_owner = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    batch = models.UUIDField(db_index=True)

    class Meta:
        verbose_name = _("归属变更")
        verbose_name_plural = _("归属变更")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.record}: {self.from_owner_id} → {self.to_owner_id}"
