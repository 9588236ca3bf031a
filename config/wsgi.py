import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

application = get_wsgi_application()

# Each worker reads the map boundaries as it starts, not on its first hotspot page.
from reporting.maps import load_boundaries  # noqa: E402 (needs the apps loaded above)

load_boundaries()
