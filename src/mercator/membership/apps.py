from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    """Classification, grades, points, privileges and decay (seed §10). Below pricing
    (which reads a buyer's grade for grade-linked price lists); the apps above push the
    facts that earn points down through ``membership.services``."""

    name = "mercator.membership"
    label = "membership"
    verbose_name = _("会员等级")

    def ready(self) -> None:
        # Catalog (below membership) shows the seller's grade and orders by its boost
        # through the provider membership registers here.
        from mercator.membership.privileges import register_catalog_provider

        register_catalog_provider()

        from mercator.membership.selectors import paid_labels
        from mercator.payments.references import register

        register("membership", paid_labels)
