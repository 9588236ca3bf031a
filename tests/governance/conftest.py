import pytest

from partners.outbox import publishing_resume
from tests.faults import worker_idle


@pytest.fixture(autouse=True)
def _fresh_publisher():
    """Each test starts with no broker failure remembered by the outbox's publisher."""
    publishing_resume()
    yield
    publishing_resume()


@pytest.fixture(autouse=True)
def _worker_done_before_teardown(request):
    """A test with the session's worker ends once the worker has finished its work."""
    yield
    if "celery_worker_process" in request.fixturenames:
        worker_idle()
