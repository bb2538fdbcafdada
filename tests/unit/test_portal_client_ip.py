"""Where a portal reply came from: the peer, or what trusted proxies say, never a client's word."""

from __future__ import annotations

import pytest

from hub.domain.errors import ValidationFailed
from hub.edge.clientip import client_ip, trusted_networks

PROXIES = trusted_networks("10.0.0.0/8, 127.0.0.1, fd00::/8")


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_ip("198.51.100.7", "203.0.113.9", ()) == "198.51.100.7"
    assert client_ip("127.0.0.1", "203.0.113.9", trusted_networks("")) == "127.0.0.1"


def test_a_client_cannot_claim_an_address_through_an_untrusted_peer() -> None:
    assert client_ip("198.51.100.7", "203.0.113.9", PROXIES) == "198.51.100.7"


def test_behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() -> None:
    assert client_ip("10.1.2.3", "203.0.113.9", PROXIES) == "203.0.113.9"
    # the client put a fake address first; the proxies appended the real one and themselves
    assert client_ip("127.0.0.1", "1.2.3.4, 203.0.113.9, 10.9.9.9", PROXIES) == "203.0.113.9"
    assert client_ip("10.1.2.3", " 2001:db8::5 ", PROXIES) == "2001:db8::5"


def test_a_garbled_chain_or_only_proxies_keep_what_is_known() -> None:
    assert client_ip("10.1.2.3", "not-an-ip", PROXIES) == "10.1.2.3"
    assert client_ip("10.1.2.3", "203.0.113.9, junk, 10.0.0.2", PROXIES) == "10.0.0.2"
    assert client_ip("10.1.2.3", "10.0.0.2, 10.0.0.3", PROXIES) == "10.0.0.2"
    assert client_ip(None, None, PROXIES) == "unknown"


def test_a_bad_setting_names_the_setting() -> None:
    with pytest.raises(ValidationFailed) as e:
        trusted_networks("10.0.0.0/8, proxy.example")
    assert e.value.field == "trusted_proxies"
