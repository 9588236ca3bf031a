import pytest

from partners.outbox import publishing_resume


@pytest.fixture(autouse=True)
def _fresh_publisher():
    """Each test starts with no broker failure remembered by the outbox's publisher."""
    publishing_resume()
    yield
    publishing_resume()
