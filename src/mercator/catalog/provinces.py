"""China's provinces, autonomous regions, municipalities and special administrative
regions: the one list every province field picks from (delivery destination, listing
origin). The stored value is the short Chinese name used across the data ("广东",
"广西", "上海"); the label is translated at display time."""

from django.utils.translation import gettext_lazy as _

PROVINCES: tuple[tuple[str, object], ...] = (
    ("北京", _("北京")),
    ("天津", _("天津")),
    ("河北", _("河北")),
    ("山西", _("山西")),
    ("内蒙古", _("内蒙古")),
    ("辽宁", _("辽宁")),
    ("吉林", _("吉林")),
    ("黑龙江", _("黑龙江")),
    ("上海", _("上海")),
    ("江苏", _("江苏")),
    ("浙江", _("浙江")),
    ("安徽", _("安徽")),
    ("福建", _("福建")),
    ("江西", _("江西")),
    ("山东", _("山东")),
    ("河南", _("河南")),
    ("湖北", _("湖北")),
    ("湖南", _("湖南")),
    ("广东", _("广东")),
    ("广西", _("广西")),
    ("海南", _("海南")),
    ("重庆", _("重庆")),
    ("四川", _("四川")),
    ("贵州", _("贵州")),
    ("云南", _("云南")),
    ("西藏", _("西藏")),
    ("陕西", _("陕西")),
    ("甘肃", _("甘肃")),
    ("青海", _("青海")),
    ("宁夏", _("宁夏")),
    ("新疆", _("新疆")),
    ("香港", _("香港")),
    ("澳门", _("澳门")),
    ("台湾", _("台湾")),
)
PROVINCE_NAMES: frozenset[str] = frozenset(value for value, _label in PROVINCES)


def province_choices(blank: str = "—") -> list[tuple[str, object]]:
    """Choices for a form's province select, a blank option first."""
    return [("", blank), *PROVINCES]


def province_label(value: str) -> str:
    """A stored province in the member's language (a name not in the list as stored)."""
    return str(dict(PROVINCES).get(value, value))
