"""The virus scan, pluggable by the DOCUMENT_SCANNER setting: "none", or "clamd" (ClamAV's
daemon, through the `clamd` client, streaming the file with INSTREAM so it need not be on the
daemon's disk). docs/adr/0019-evidence-storage-and-scanning.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

import clamd
from django.conf import settings


class ScanUnavailable(Exception):
    """The scanner could not be reached or did not answer: try again later."""


@dataclass(frozen=True)
class Verdict:
    infected: bool
    signature: str = ""


def scanning_enabled() -> bool:
    return settings.DOCUMENT_SCANNER != "none"


def _daemon():
    if settings.CLAMD_SOCKET:
        return clamd.ClamdUnixSocket(
            path=settings.CLAMD_SOCKET, timeout=settings.CLAMD_TIMEOUT_SECONDS
        )
    return clamd.ClamdNetworkSocket(
        host=settings.CLAMD_HOST, port=settings.CLAMD_PORT, timeout=settings.CLAMD_TIMEOUT_SECONDS
    )


def scan(stream: IO[bytes]) -> Verdict:
    """Scan a file opened for reading; raises ScanUnavailable when the daemon cannot say."""
    try:
        answer = _daemon().instream(stream)
    except (clamd.ClamdError, OSError) as exc:
        raise ScanUnavailable(str(exc)) from exc
    status, signature = answer.get("stream", ("ERROR", "no answer"))
    if status == "OK":
        return Verdict(infected=False)
    if status == "FOUND":
        return Verdict(infected=True, signature=signature or "")
    raise ScanUnavailable(f"clamd: {status} {signature or ''}".strip())
