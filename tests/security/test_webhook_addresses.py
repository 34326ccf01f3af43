"""Fuzzing the webhook address filter (issue 14, finding 3): whatever address a name resolves to
or a socket connects to, only globally routable unicast passes, and no IPv6 form smuggles an
IPv4 address past it."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from alliance.api.webhooks import is_public

SHARED = ipaddress.ip_network("100.64.0.0/10")


@given(st.ip_addresses())
def test_only_global_unicast_passes(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    if is_public(str(ip)):
        judged = getattr(ip, "ipv4_mapped", None) or ip
        assert judged.is_global and not judged.is_multicast
        assert judged not in SHARED


@given(st.ip_addresses(v=4))
def test_no_ipv6_wrapping_of_an_ipv4_address_passes(v4: ipaddress.IPv4Address) -> None:
    packed = int(v4)
    six_to_four = ipaddress.IPv6Address((0x2002 << 112) | (packed << 80))
    nat64 = ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | packed)
    compatible = ipaddress.IPv6Address(packed)
    for wrapped in (six_to_four, nat64, compatible):
        assert not is_public(str(wrapped)), wrapped
    mapped = ipaddress.IPv6Address((0xFFFF << 32) | packed)
    assert is_public(str(mapped)) == is_public(str(v4))
