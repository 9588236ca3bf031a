"""Peak memory of the web process while it takes a 20 MB evidence upload (issue 13): the upload
must stream (to a temporary file, then into storage), never be held whole in memory.

    .venv/bin/python benchmarks/upload_memory.py [--megabytes 20] [--label LABEL] [--api]

It builds a scratch PostgreSQL database (`asb_bench_upload`, or `BENCH_UPLOAD_DATABASE`; dropped
and created again: never your own), loads the demo partnership, starts gunicorn with ONE sync
worker (so the worker is the web process that takes the upload) and signs in as a demo
officer. It warms the worker up (the case page, the upload form, a small upload), resets the
worker's peak resident set size (`/proc/PID/clear_refs`, value 5), uploads a file of the given
size that libmagic takes for a PDF, and reads the worker's peak (`VmHWM`) again. Writes
benchmarks/results/upload_memory-*.md.

With `--api` the upload goes through the REST API instead (`POST /api/v1/cases/<uuid>/documents/`,
multipart, with an Idempotency-Key, so the key's fingerprint is measured too) as a case officer
API client of the same organisation, made with `manage.py create_api_client`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
RESULTS = Path(__file__).resolve().parent / "results"
DATABASE = os.environ.get("BENCH_UPLOAD_DATABASE", "asb_bench_upload")
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE_URL = ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
OFFICER = "officer@livin"
PASSWORD = "demo-password-2026"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(media: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
        "ASB_VAR_DIR": str(media),
        "DEMO_ACCOUNTS_SKIP_TWO_FACTOR": "true",
        "DOCUMENT_SCANNER": "none",
    }


def prepare_database(env: dict[str, str]) -> None:
    import psycopg2

    admin = psycopg2.connect(ADMIN_URL)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {DATABASE}")
    admin.close()
    # collectstatic: DEBUG is off, so pages need the static files' manifest (staticfiles/).
    for command in (["migrate", "--noinput"], ["seed_demo"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [str(BIN / "python"), "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def a_case_of_the_officer(env: dict[str, str]) -> str:
    script = (
        "import django; django.setup();"
        "from asb_cases.models import Case;"
        f"print(Case.objects.filter(lead_officer__username={OFFICER!r}).values_list('uuid', "
        "flat=True).first() or Case.objects.filter(lead_organisation__slug='livin')"
        ".values_list('uuid', flat=True).first())"
    )
    out = subprocess.run(
        [str(BIN / "python"), "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class Session:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def sign_in(self) -> None:
        token = TOKEN.search(self.get("/sign-in/")).group(1)
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": OFFICER, "password": PASSWORD}
        ).encode()
        request = urllib.request.Request(
            self.base + "/sign-in/", data=form, headers={"Referer": self.base + "/sign-in/"}
        )
        with self.opener.open(request, timeout=60) as response:
            if urllib.parse.urlparse(response.geturl()).path.startswith("/sign-in/"):
                raise SystemExit(f"Could not sign in as {OFFICER}")

    def upload(self, case_uuid: str, path: Path, name: str) -> tuple[int, float]:
        """Post the file as a browser does (multipart), streaming it from disk: the client
        holds no more than a chunk of it either."""
        page = f"/cases/{case_uuid}/documents/add/"
        token = TOKEN.search(self.get(page)).group(1)
        fields = [("csrfmiddlewaretoken", token)]
        return post_multipart(
            self.opener, self.base + page, fields, path, name, {"Referer": self.base + page}
        )


class ApiSession:
    """An API client (its token) of the officer's organisation."""

    def __init__(self, base: str, token: str):
        self.base = base
        self.headers = {"Authorization": f"Token {token}"}
        self.opener = urllib.request.build_opener()

    def get(self, path: str) -> str:
        request = urllib.request.Request(self.base + path, headers=self.headers)
        with self.opener.open(request, timeout=60) as response:
            return response.read().decode()

    def upload(self, case_uuid: str, path: Path, name: str) -> tuple[int, float]:
        url = f"{self.base}/api/v1/cases/{case_uuid}/documents/"
        headers = {**self.headers, "Idempotency-Key": uuid.uuid4().hex}
        return post_multipart(self.opener, url, [], path, name, headers)


def post_multipart(opener, url: str, fields, path: Path, name: str, headers) -> tuple[int, float]:
    """Post the fields and the file (multipart), streaming it from disk: the client holds no
    more than a chunk of it. Returns the status and the seconds taken."""
    boundary = uuid.uuid4().hex
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
        for key, value in (
            *fields,
            ("title", f"Benchmark {name}"),
            ("visibility", "my_organisation"),
        )
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    )
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = len(head.encode()) + path.stat().st_size + len(tail)

    def body():
        yield head.encode()
        with path.open("rb") as stream:
            while chunk := stream.read(256 * 1024):
                yield chunk
        yield tail

    request = urllib.request.Request(
        url,
        data=body(),
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(size),
            **headers,
        },
    )
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=300) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


def make_file(directory: Path, megabytes: int) -> Path:
    path = directory / f"evidence-{megabytes}mb.pdf"
    with path.open("wb") as stream:
        stream.write(b"%PDF-1.4\n% benchmark evidence\n")
        for _ in range(megabytes):
            stream.write(secrets.token_bytes(1024 * 1024))
    return path


def an_api_token(env: dict[str, str]) -> str:
    out = subprocess.run(
        [str(BIN / "python"), "manage.py", "create_api_client", "livin", "Benchmark CRM"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def run(megabytes: int, through_api: bool = False) -> dict:
    work = Path(tempfile.mkdtemp(prefix="asb-upload-"))
    env = environment(work)
    prepare_database(env)
    case_uuid = a_case_of_the_officer(env)
    token = an_api_token(env) if through_api else None
    port = free_port()
    log = (work / "gunicorn.log").open("w")
    master = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "300",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/sign-in/", timeout=5).read()
                break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline or master.poll() is not None:
                    raise SystemExit(f"gunicorn did not start; see {work}") from None
                time.sleep(0.5)
        (worker,) = children(master.pid)
        if through_api:
            session = ApiSession(base, token)
            session.get(f"/api/v1/cases/{case_uuid}/documents/")
            expected = 201
        else:
            session = Session(base)
            session.sign_in()
            session.get(f"/cases/{case_uuid}/")
            expected = 200  # the page redirects to the case, which the opener follows
        small = make_file(work, 1)
        assert session.upload(case_uuid, small, "warm-up.pdf")[0] == expected
        big = make_file(work, megabytes)
        before_kb = status_kb(worker, "VmRSS")
        Path(f"/proc/{worker}/clear_refs").write_text("5")  # VmHWM := VmRSS
        status, seconds = session.upload(case_uuid, big, f"evidence-{megabytes}mb.pdf")
        peak_kb = status_kb(worker, "VmHWM")
        after_kb = status_kb(worker, "VmRSS")
        return {
            "expected": expected,
            "megabytes": megabytes,
            "file_bytes": big.stat().st_size,
            "status": status,
            "seconds": seconds,
            "rss_before_mb": before_kb / 1024,
            "peak_mb": peak_kb / 1024,
            "rss_after_mb": after_kb / 1024,
            "peak_growth_mb": (peak_kb - before_kb) / 1024,
        }
    finally:
        master.terminate()
        master.wait(timeout=30)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=20)
    parser.add_argument("--label", default="")
    parser.add_argument(
        "--api", action="store_true", help="Upload through the REST API, not the page"
    )
    options = parser.parse_args(argv)
    figures = run(options.megabytes, through_api=options.api)
    how = (
        "an API client of the officer's organisation, `POST /api/v1/cases/<uuid>/documents/` "
        "with an Idempotency-Key"
        if options.api
        else "a signed-in officer, the upload page"
    )
    table = "\n".join(
        [
            f"# Evidence upload: peak memory of the web process ({dt.date.today():%Y-%m-%d})",
            "",
            f"One gunicorn sync worker (the web process), the demo partnership, {how}, "
            "`DOCUMENT_SCANNER=none`. `benchmarks/upload_memory.py "
            f"--megabytes {options.megabytes}{' --api' if options.api else ''}`.",
            "",
            "| File | Answer | Time | Worker RSS before | Peak during upload | Peak growth |",
            "| --- | --- | --- | --- | --- | --- |",
            f"| {figures['file_bytes'] / 1024 / 1024:.1f} MB | {figures['status']} | "
            f"{figures['seconds']:.2f} s | {figures['rss_before_mb']:.1f} MB | "
            f"{figures['peak_mb']:.1f} MB | {figures['peak_growth_mb']:.1f} MB |",
            "",
        ]
    )
    print(table)
    RESULTS.mkdir(exist_ok=True)
    suffix = f"-{options.label}" if options.label else ""
    (RESULTS / f"upload_memory-{dt.date.today():%Y-%m-%d}{suffix}.md").write_text(table)
    if figures["status"] != figures["expected"]:
        sys.exit(f"The upload was answered {figures['status']}")


if __name__ == "__main__":
    main()
