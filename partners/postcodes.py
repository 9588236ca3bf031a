"""UK postcodes: the format check and the one way they are written in the service."""

from __future__ import annotations

import re

# The UK postcode format (BS 7666), including GIR 0AA.
POSTCODE_RE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]([0-9ABEHMNPRV-Y])?|[0-9][A-HJKPS-UW]) ?"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(value: str) -> str:
    """'dl1  5aa ' -> 'DL1 5AA'. A value that is not a postcode comes back upper-cased."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def is_valid_postcode(value: str) -> bool:
    return bool(POSTCODE_RE.match(normalise_postcode(value)))
