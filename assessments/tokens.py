"""Personal answer links. The token is an HMAC of a per-respondent nonce under SECRET_KEY, so it can be
mailed again in a reminder, while the database holds only its SHA-256 digest: a copy of the database
alone opens no answer page. Rotating SECRET_KEY invalidates the links of open rounds."""

import base64
import hashlib
import secrets

from django.utils.crypto import salted_hmac

_SALT = "samverkan.assessments.answer-link"


def new_nonce() -> str:
    return secrets.token_hex(16)


def token_for(nonce: str) -> str:
    digest = salted_hmac(_SALT, nonce, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_digest(token: str) -> str:
    """The stored form of a token; computed for any input so a lookup costs the same for a guess."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
