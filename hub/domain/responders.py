"""The responder registry (函证地址登记): where letters go, whose certificates sign replies."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from hub.domain.errors import Conflict, Forbidden, ValidationFailed
from hub.domain.model import OrgKind
from hub.domain.uscc import validate_uscc


class Channel(enum.StrEnum):
    """How letters reach the responder and replies come back."""

    BANK_API_PUSH = "bank_api_push"  # the hub delivers to the bank's registered endpoint
    BANK_API_PULL = "bank_api_pull"  # the bank collects from its inbox on the hub
    PORTAL = "portal"  # a one-time link to the registered contact (companies)


CHANNELS_BY_KIND: dict[OrgKind, frozenset[Channel]] = {
    OrgKind.BANK: frozenset({Channel.BANK_API_PUSH, Channel.BANK_API_PULL}),
    OrgKind.COMPANY: frozenset({Channel.PORTAL}),
}


class ResponderStatus(enum.StrEnum):
    PENDING = "pending"  # registered or changed; not routable until an admin verifies it
    VERIFIED = "verified"
    RETIRED = "retired"


_BANK_CODE = re.compile(r"^[0-9]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

ROUTING_FIELDS = frozenset({"uscc", "bank_code", "channel", "endpoint", "contacts",
                            "certificates", "parent_id"})
"""A change to any of these sends a verified entry back to pending: letters must not follow an
unchecked address, nor replies be accepted from an unchecked certificate."""


@dataclass(frozen=True)
class Contact:
    name: str
    email: str | None = None
    phone: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class SigningCertificate:
    """A certificate allowed to sign the responder's replies, known by its SHA-256."""

    sha256: str  # of the DER encoding, lowercase hex
    subject: str
    not_after: datetime
    pem: str = field(repr=False)


@dataclass(frozen=True)
class Responder:
    id: str
    org_id: str
    kind: OrgKind
    name: str
    uscc: str
    channel: Channel
    created_at: datetime
    updated_at: datetime
    updated_by: str
    bank_code: str | None = None
    parent_id: str | None = None
    reply_scope: str = ""
    endpoint: str | None = None
    contacts: tuple[Contact, ...] = ()
    certificates: tuple[SigningCertificate, ...] = ()
    status: ResponderStatus = ResponderStatus.PENDING
    version: int = 1
    verified_at: datetime | None = None
    verified_by: str | None = None

    def __post_init__(self) -> None:
        check_entry(self)

    @property
    def routable(self) -> bool:
        return self.status is ResponderStatus.VERIFIED

    def certificate(self, sha256: str) -> SigningCertificate | None:
        return next((c for c in self.certificates if c.sha256 == sha256), None)

    def changed(self, changes: dict[str, Any], *, at: datetime, actor: str
                ) -> tuple[Responder, dict[str, tuple[Any, Any]]]:
        """This entry with `changes` applied, and what changed (field: (old, new))."""
        if self.status is ResponderStatus.RETIRED:
            raise Conflict("a retired registry entry cannot be changed")
        unknown = set(changes) - _CHANGEABLE
        if unknown:
            name = sorted(unknown)[0]
            raise ValidationFailed(f"{name} cannot be changed", field=f"/{name}")
        diff = {k: (getattr(self, k), v) for k, v in changes.items() if getattr(self, k) != v}
        if not diff:
            return self, {}
        status = self.status
        if status is ResponderStatus.VERIFIED and diff.keys() & ROUTING_FIELDS:
            status = ResponderStatus.PENDING
        if status is not self.status:
            diff["status"] = (self.status, status)
        new = replace(self, **{k: v for k, (_, v) in diff.items() if k != "status"},
                      status=status, version=self.version + 1, updated_at=at, updated_by=actor)
        return new, diff

    def verified(self, *, at: datetime, actor: str) -> Responder:
        """Verified by an admin other than the one who made the last change (four eyes)."""
        if self.status is ResponderStatus.RETIRED:
            raise Conflict("a retired registry entry cannot be verified")
        if self.status is ResponderStatus.VERIFIED:
            raise Conflict("this registry entry is verified already")
        if actor == self.updated_by:
            raise Forbidden("another admin must verify an entry you registered or changed")
        return replace(self, status=ResponderStatus.VERIFIED, version=self.version + 1,
                       verified_at=at, verified_by=actor, updated_at=at)

    def retired(self, *, at: datetime, actor: str) -> Responder:
        if self.status is ResponderStatus.RETIRED:
            raise Conflict("this registry entry is retired already")
        return replace(self, status=ResponderStatus.RETIRED, version=self.version + 1,
                       updated_at=at, updated_by=actor)


_CHANGEABLE = frozenset({"name", "bank_code", "parent_id", "reply_scope", "channel", "endpoint",
                         "contacts", "certificates"})


def check_entry(r: Responder) -> None:
    """Refuse an entry that letters could not be routed by, naming the field at fault."""
    if r.kind not in CHANNELS_BY_KIND:
        raise ValidationFailed(f"a {r.kind.value} cannot be a responder", field="/kind")
    validate_uscc(r.uscc, field="/uscc")
    if not r.name.strip():
        raise ValidationFailed("the name must not be empty", field="/name")
    if r.channel not in CHANNELS_BY_KIND[r.kind]:
        allowed = ", ".join(sorted(CHANNELS_BY_KIND[r.kind]))
        raise ValidationFailed(f"a {r.kind.value} is reached by {allowed}, not {r.channel}",
                               field="/channel")
    if r.kind is OrgKind.BANK:
        if r.bank_code is None or not _BANK_CODE.match(r.bank_code):
            raise ValidationFailed("a bank needs its 12-digit bank code (CNAPS 行号)",
                                   field="/bank_code")
    elif r.bank_code is not None:
        raise ValidationFailed("only banks have a bank code", field="/bank_code")
    if r.channel is Channel.BANK_API_PUSH:
        _check_endpoint(r.endpoint)
    elif r.endpoint is not None:
        raise ValidationFailed(f"the {r.channel} channel takes no endpoint", field="/endpoint")
    for i, c in enumerate(r.contacts):
        if not c.name.strip():
            raise ValidationFailed("a contact needs a name", field=f"/contacts/{i}/name")
        if c.email is not None and not _EMAIL.match(c.email):
            raise ValidationFailed(f"{c.email!r} is not an e-mail address",
                                   field=f"/contacts/{i}/email")
    if r.channel is Channel.PORTAL and not any(c.email for c in r.contacts):
        raise ValidationFailed("the portal needs a contact with an e-mail address",
                               field="/contacts")
    seen: set[str] = set()
    for i, cert in enumerate(r.certificates):
        if not _SHA256.match(cert.sha256) or cert.sha256 in seen:
            raise ValidationFailed("a certificate is listed twice", field=f"/certificates/{i}")
        seen.add(cert.sha256)
    if r.parent_id is not None and r.parent_id == r.id:
        raise ValidationFailed("an entry cannot be its own head office", field="/parent_id")


def _check_endpoint(endpoint: str | None) -> None:
    if not endpoint:
        raise ValidationFailed("a push channel needs the bank's endpoint URL", field="/endpoint")
    parts = urlsplit(endpoint)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ValidationFailed("the endpoint must be an https:// URL (http:// only on this host)",
                               field="/endpoint")


def require_routable(r: Responder | None, uscc: str, kind: OrgKind, field: str) -> Responder:
    """The entry letters to `uscc` go to, or the reason none can."""
    if r is None or r.kind is not kind:
        raise ValidationFailed(
            f"no {kind.value} with 统一社会信用代码 {uscc} in the responder registry", field=field)
    if r.status is ResponderStatus.RETIRED:
        raise ValidationFailed(f"the registry entry of {r.name} is retired", field=field)
    if r.status is not ResponderStatus.VERIFIED:
        raise ValidationFailed(
            f"the registry entry of {r.name} is not verified yet; an admin must verify it "
            "before letters can be sent to it", field=field)
    return r


def conflict_uscc(uscc: str) -> Conflict:
    return Conflict(f"a registry entry for 统一社会信用代码 {uscc} exists", field="/uscc")
