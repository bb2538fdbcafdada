"""Webhooks of audit software: where a firm's workpapers are pushed (firm or engagement)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from hub.domain.errors import ValidationFailed

FIRM_SCOPE = "firm"
"""The scope of a firm's own webhook; an engagement's webhook has the engagement's id."""
MAX_URL = 2048
MIN_SECRET = 16
MAX_SECRET = 200


@dataclass(frozen=True)
class Webhook:
    """A registered receiver; an engagement's webhook overrides its firm's."""

    id: str
    firm_org_id: str
    engagement_id: str | None
    url: str
    sealed_secret: str
    """The HMAC key encrypted with the hub's key (kept outside the database), never in clear."""
    created_at: datetime
    updated_at: datetime
    updated_by: str

    @property
    def scope(self) -> str:
        return self.engagement_id or FIRM_SCOPE


def validate_url(url: str, field: str = "/url") -> str:
    """An absolute http(s) URL with a host and no credentials, else ValidationFailed."""
    url = url.strip()
    if len(url) > MAX_URL:
        raise ValidationFailed(f"the URL is longer than {MAX_URL} characters", field=field)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as e:
        raise ValidationFailed(f"{url!r} is not a URL: {e}", field=field) from e
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("the webhook URL must be an absolute http:// or https:// URL",
                               field=field)
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed("the webhook URL must not carry credentials (user:password@); "
                               "the signature authenticates the hub", field=field)
    if parts.fragment:
        raise ValidationFailed("the webhook URL must not have a #fragment", field=field)
    return url


def validate_secret(secret: str, field: str = "/secret") -> str:
    """A secret the firm chose: long enough to resist guessing, printable ASCII."""
    if not MIN_SECRET <= len(secret) <= MAX_SECRET:
        raise ValidationFailed(
            f"the secret must be {MIN_SECRET} to {MAX_SECRET} characters", field=field)
    if not secret.isascii() or not secret.isprintable() or secret != secret.strip():
        raise ValidationFailed("the secret must be printable ASCII without surrounding spaces",
                               field=field)
    return secret
