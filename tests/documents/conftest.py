import io

import pytest
from PIL import Image

from tests.asb_cases.conftest import SharedCase, shared_case  # noqa: F401


@pytest.fixture(autouse=True)
def media_root(request, settings, tmp_path):
    """Each test keeps its files in its own folder, but for those a Celery worker reads too
    (marked shared_media: they use the test settings' MEDIA_ROOT)."""
    settings.DOCUMENT_SCANNER = "none"
    if request.node.get_closest_marker("shared_media") is None:
        settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def png_bytes(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return buffer.getvalue()


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
