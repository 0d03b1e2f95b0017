"""How the customers list is searched, filtered and sorted (``core.listing``): by the
customer's name or the name of the platform company it is linked to, by the date it
was added."""

from django.utils.translation import gettext_lazy as _

from mercator.core.listing import ListSpec, SortOption

CUSTOMER_LIST = ListSpec(
    date_field="created_at",
    text_fields=("name", "phone", "city"),
    party_fields=("counterpart",),
    sorts=(
        SortOption("name", "name", _("客户名称")),
        SortOption("date", "created_at", _("添加时间")),
    ),
    default_sort="name",
    page_size=50,
)
