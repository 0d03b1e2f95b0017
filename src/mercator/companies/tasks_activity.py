"""The boss's daily digest (DOMAIN.md §1), run by the Huey worker.

Huey evaluates ``crontab`` in UTC (``Huey(utc=True)``, the default our settings keep),
while the digest is due at 08:00 in ``settings.TIME_ZONE``. Rather than a fixed UTC hour
(right for Asia/Shanghai, wrong for any zone with summer time or another
MERCATOR_TIME_ZONE), the task runs hourly at minute 5 and the service sends once the
local clock has passed 08:00; the Notification row per recipient and day makes the later
runs of the day send nothing, and lets a worker that was down at 08:05 catch up.

Imported by ``mercator.companies.tasks`` (djhuey discovers only ``tasks`` modules)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

# A module reference, not a name: services.activity enqueues tasks, so it may still be
# importing when this module is.
from mercator.companies.services import activity as activity_services


@db_periodic_task(crontab(minute="5"))
def send_activity_digests() -> int:
    return activity_services.digest_send_all()
