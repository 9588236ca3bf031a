import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

application = get_wsgi_application()

# Each worker makes itself ready as it starts, so that no one's first request waits for it:
# the URLconf with every view, serializer and form it imports (0.6 to 1 s on a 2-core machine,
# the project's modules compiled from source where bytecode is not written), the map
# boundaries of the hotspot pages, the LSOA boundaries addresses are placed in (about 150 ms,
# which a worker's first incident with coordinates waited for), and what publishing work to
# Celery imports (about 130 ms, for its first request that recorded work; no connection).
from django.urls import get_resolver  # noqa: E402 (needs the apps loaded above)

from asb_cases import geography  # noqa: E402
from partners import outbox  # noqa: E402
from reporting.maps import load_boundaries  # noqa: E402

get_resolver().url_patterns  # noqa: B018 (imports every module the routes name)
load_boundaries()
geography.load()
outbox.load()
