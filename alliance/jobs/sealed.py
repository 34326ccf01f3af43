"""Secrets a job needs but the database must not hold in clear (a check-in link's token).

A check-in token is stored only as its SHA-256, so a copy of the database opens no link. A job
that emails the link must still carry the token from the page to the worker: it travels in the
job's arguments sealed with a key derived from ALLIANCE_SECRET_KEY (Fernet: AES-128-CBC and
HMAC-SHA256), which the database never holds. The seal also expires, so an old job row is
useless even to someone who has both.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class Unsealable(Exception):
    """The seal was made under another key, was changed, or is older than allowed."""


def _fernet(secret: str) -> Fernet:
    key = hashlib.sha256(b"alliance.jobs.sealed:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(s) for s in secrets])


def seal(text: str) -> str:
    return _keys().encrypt(text.encode()).decode("ascii")


def unseal(sealed: str, *, max_age_seconds: int) -> str:
    try:
        return _keys().decrypt(sealed.encode("ascii"), ttl=max_age_seconds).decode()
    except (InvalidToken, UnicodeError, ValueError) as error:
        raise Unsealable("the sealed value cannot be opened") from error
