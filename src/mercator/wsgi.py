import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mercator.settings")
application = get_wsgi_application()

# Production mode with an empty or default payment webhook secret: do not serve.
from mercator.deploy import refuse_unsafe_start  # noqa: E402

refuse_unsafe_start()
