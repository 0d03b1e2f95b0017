from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    """The merchant community (商人社区): boards, posts, replies, moderation. Above
    trading; contributions others mark helpful earn effort points through membership."""

    name = "mercator.community"
    label = "community"
    verbose_name = _("商人社区")
