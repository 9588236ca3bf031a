"""Secrets the service keeps for others (an organisation's OpenID Connect client secret),
encrypted at rest with Fernet (the `cryptography` package): AES-128-CBC with an HMAC, so a
copy of the database or a backup does not hand over the keys to a partner's sign-in.

Keys come from `SECRETS_ENCRYPTION_KEYS` (Fernet keys, newest first: the first encrypts, every
one decrypts, so a key is rotated by putting a new one in front and re-saving). Without it, one
key is derived from SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        digest = hashlib.sha256(f"asb-secrets:{secret_key}".encode()).digest()
        keys = (base64.urlsafe_b64encode(digest).decode(),)
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "SECRETS_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64-encoded bytes)"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(getattr(settings, "SECRETS_ENCRYPTION_KEYS", ())), settings.SECRET_KEY)


def encrypt(value: str) -> str:
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption; the migration re-saves it encrypted
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted: SECRETS_ENCRYPTION_KEYS no longer holds the "
            "key it was encrypted with"
        ) from exc


class EncryptedTextField(models.TextField):
    """A text the application reads in clear and the database holds encrypted."""

    def from_db_value(self, value, expression, connection):
        return value if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "" or value.startswith(PREFIX):
            return value
        return encrypt(value)
