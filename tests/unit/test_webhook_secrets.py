"""Webhook secrets are kept encrypted with a key file outside the database; webhook URLs are
checked before anything is stored."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hub.domain.errors import PermanentError, ValidationFailed
from hub.domain.webhooks import validate_secret, validate_url
from hub.infra.secretbox import FernetSecretBox

SECRET = "firm-chosen-secret-0123456789"


async def test_a_sealed_secret_opens_only_with_its_key(tmp_path: Path) -> None:
    box = FernetSecretBox(tmp_path / "secrets" / "webhooks.key")
    sealed = await box.seal(SECRET)
    assert SECRET not in sealed and await box.unseal(sealed) == SECRET
    key = tmp_path / "secrets" / "webhooks.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    # another process of the same hub reads the same key
    assert await FernetSecretBox(key).unseal(sealed) == SECRET
    # a hub whose key was replaced cannot, and says what happened (without the secret)
    with pytest.raises(PermanentError) as e:
        await FernetSecretBox(tmp_path / "other.key").unseal(sealed)
    assert "key was replaced" in str(e.value) and SECRET not in str(e.value)


@pytest.mark.parametrize("url", [
    "https://audit.example-cpa.cn/hooks/confirmations", "http://127.0.0.1:9000/hook?firm=7",
])
def test_http_and_https_urls_are_taken(url: str) -> None:
    assert validate_url(url) == url


@pytest.mark.parametrize("url", [
    "ftp://audit.example-cpa.cn/hook", "audit.example-cpa.cn/hook", "https:///no-host",
    "https://user:password@audit.example-cpa.cn/hook", "https://host:port/hook",
    "https://audit.example-cpa.cn/hook#part", "https://" + "a" * 2050 + ".cn/",
])
def test_other_urls_are_refused_naming_the_field(url: str) -> None:
    with pytest.raises(ValidationFailed) as e:
        validate_url(url)
    assert e.value.field == "/url"


@pytest.mark.parametrize("secret", ["short", " padded-secret-0123456789 ", "密钥" * 10,
                                    "x" * 201])
def test_weak_or_odd_secrets_are_refused(secret: str) -> None:
    with pytest.raises(ValidationFailed) as e:
        validate_secret(secret)
    assert e.value.field == "/secret"
