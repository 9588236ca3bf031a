"""Before `make test`: say plainly how to start PostgreSQL or Redis if either is not answering."""

import os
import socket
import sys
from urllib.parse import urlparse

DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/asb",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
}
HOW_TO_START = {
    "DATABASE_URL": (
        "PostgreSQL",
        "sudo pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
        "  (or install it: sudo apt-get install postgresql), or set DATABASE_URL.",
    ),
    "REDIS_URL": (
        "Redis",
        'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n'
        "  (or install it: sudo apt-get install redis-server), or set REDIS_URL.",
    ),
}


def answers(url: str) -> bool:
    parsed = urlparse(url)
    default_port = 5432 if parsed.scheme.startswith("postgres") else 6379
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def main() -> int:
    failed = False
    for name, default in DEFAULTS.items():
        url = os.environ.get(name) or default
        if not answers(url):
            service, how = HOW_TO_START[name]
            host = urlparse(url).netloc.rsplit("@", 1)[-1]
            print(
                f"{service} is not answering at {host}. The tests need it. Start it with:\n  {how}"
            )
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
