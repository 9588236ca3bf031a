"""The virus scan against a real ClamAV daemon (Debian's clamav-daemon) started by the test
with a signature database of its own (no download): files are held until a Celery worker,
fed through the outbox, has scanned them."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from documents.models import Document
from partners.models import AuditEvent
from tests.conftest import client_for
from tests.documents.conftest import png_bytes

MARKER = b"ASB-SCANNER-TEST-SIGNATURE-7f3c"
CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"


def _answers(path: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(path)
            sock.sendall(b"zPING\0")
            return sock.recv(16).startswith(b"PONG")
    except OSError:
        return False


@pytest.fixture(scope="module")
def clamd_daemon():
    """clamd on a Unix socket (settings.CLAMD_SOCKET), with one custom signature (.ndb)
    matching MARKER anywhere in a file."""
    if not Path(CLAMD).exists():
        pytest.skip("ClamAV's daemon is not installed (apt-get install clamav-daemon)")
    socket_path = Path(settings.CLAMD_SOCKET)
    home = socket_path.parent
    if home.exists():
        shutil.rmtree(home)
    (home / "db").mkdir(parents=True)
    (home / "db" / "asb-test.ndb").write_text(f"Asb.Test.Marker:0:*:{MARKER.hex()}\n")
    (home / "clamd.conf").write_text(
        f"LocalSocket {socket_path}\nDatabaseDirectory {home / 'db'}\nForeground yes\n"
        f"LogFile {home / 'clamd.log'}\nStreamMaxLength 100M\n"
    )
    process = subprocess.Popen(
        [CLAMD, "-c", str(home / "clamd.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not _answers(str(socket_path)):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (home / "clamd.log").read_text() if (home / "clamd.log").exists() else ""
                raise RuntimeError(f"clamd did not start:\n{log[-2000:]}")
            time.sleep(0.2)
        yield socket_path
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def scanning(settings, clamd_daemon):
    settings.DOCUMENT_SCANNER = "clamd"
    return clamd_daemon


def _wait_for(predicate, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_scanner_tells_a_clean_file_from_an_infected_one(scanning):
    import io

    from documents import scanning as scanner

    assert scanner.scan(io.BytesIO(png_bytes())).infected is False
    verdict = scanner.scan(io.BytesIO(b"diary\n" + MARKER + b"\n"))
    assert verdict.infected and verdict.signature.startswith("Asb.Test.Marker")


@pytest.mark.celery
@pytest.mark.shared_media
def test_files_are_held_until_the_worker_scans_them(
    cast, shared_case, scanning, transactional_db, celery_worker_process
):
    client = client_for(cast.owner.officer)
    for title, name, content in (
        ("Photo of the door", "door.png", png_bytes()),
        ("Diary", "diary.txt", b"Mon 23:10 music\n" + MARKER + b"\n"),
    ):
        response = client.post(
            f"/cases/{shared_case.case.uuid}/documents/add/",
            {
                "title": title,
                "visibility": "all_agencies",
                "file": SimpleUploadedFile(name, content),
            },
        )
        assert response.status_code == 302
    photo = Document.objects.get(title="Photo of the door")
    diary = Document.objects.get(title="Diary")
    assert {photo.scan_status, diary.scan_status} <= {"pending", "clean", "infected"}

    def decided():
        return not Document.objects.filter(scan_status="pending").exists()

    _wait_for(decided)
    photo.refresh_from_db()
    diary.refresh_from_db()
    assert photo.scan_status == Document.ScanStatus.CLEAN
    assert diary.scan_status == Document.ScanStatus.INFECTED
    assert diary.scan_detail.startswith("Asb.Test.Marker")
    _wait_for(lambda: not diary.file.storage.exists(diary.file.name))

    partner = client_for(cast.partner.officer)
    assert partner.get(f"/documents/{photo.uuid}/").status_code == 200
    refused = partner.get(f"/documents/{diary.uuid}/")
    assert refused.status_code == 409
    assert "A virus was found in the file" in refused.content.decode()
    scans = AuditEvent.objects.filter(action="document_scanned").values_list("detail", flat=True)
    assert sorted(detail["status"] for detail in scans) == ["clean", "infected"]
