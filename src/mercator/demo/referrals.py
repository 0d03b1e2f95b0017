"""The demo's referral (推荐买家): 崇左糖厂 referred 好味食品, the small food factory still
waiting for its verification, so the mill's membership page shows one company referred
and none traded yet (the factory cannot order before it is verified). Idempotent: the
referrer is recorded once; a second run finds it set and changes nothing."""

from mercator.companies.models import Company
from mercator.companies.services.referrals import referral_record
from mercator.core.actor import SYSTEM

REFERRER, REFERRED = "崇左糖厂", "好味食品"


def build_referrals() -> None:
    referrer = Company.objects.get(short_name=REFERRER)
    referred = Company.objects.get(short_name=REFERRED)
    if referred.referred_by_id is None:
        referral_record(actor=SYSTEM, company=referred, referrer=referrer)
