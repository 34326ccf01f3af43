"""Webhooks only reach globally routable addresses (SSRF): private, loopback, link-local, shared
and reserved networks are refused when an admin saves the address, and again when a delivery
connects, unless the installation allows it with ALLIANCE_WEBHOOKS_ALLOW_PRIVATE."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from alliance.api import webhooks
from alliance.api.models import WebhookDelivery, WebhookEndpoint
from alliance.insights.models import Alert
from tests.conftest import Clinic

from .test_webhooks import receiver  # noqa: F401 - the local HTTP server fixture

pytestmark = pytest.mark.django_db
INSIDE = [
    "https://127.0.0.1/hook",
    "https://localhost/hook",
    "https://10.1.2.3/hook",
    "https://192.168.0.10/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hook",
    "https://[fe80::1]/hook",
    "https://[::ffff:10.0.0.1]/hook",
    "https://224.0.0.1/hook",
    "https://0.0.0.0/hook",
    "https://240.0.0.1/hook",
    # Issue 14, finding 3: not global, though not "private" in the old sense.
    "https://100.64.0.1/hook",  # shared address space (carrier-grade NAT)
    "https://100.100.100.200/latest/meta-data",  # one cloud provider's metadata service
    "https://198.18.0.1/hook",  # benchmarking
    "https://192.0.0.8/hook",  # IETF protocol assignments
    "https://[2002:a00:1::]/hook",  # 6to4 of 10.0.0.1
    "https://[2002:808:808::]/hook",  # 6to4 of a public address: refused all the same
    "https://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
    "https://[64:ff9b:1::a00:1]/hook",  # local-use NAT64
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook",  # Teredo
    "https://[::a00:1]/hook",  # IPv4-compatible
    "https://[fec0::1]/hook",  # site-local
    "https://[ff0e::1]/hook",  # global-scope multicast
    "https://[2001:db8::1]/hook",  # documentation
]
PUBLIC = ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "::ffff:1.1.1.1"]


@pytest.mark.parametrize("url", INSIDE)
def test_no_inside_address_counts_as_public_on_the_socket_either(url: str) -> None:
    """_check_peer judges the connected socket's peer with the same function."""
    host = url.split("//", 1)[1].split("/", 1)[0].strip("[]")
    if host != "localhost":
        assert not webhooks.is_public(host)


@pytest.mark.parametrize("address", PUBLIC)
def test_global_addresses_are_public(address: str) -> None:
    assert webhooks.is_public(address)


@pytest.mark.parametrize("url", INSIDE)
def test_the_integrations_page_refuses_private_targets(clinic: Clinic, url: str) -> None:
    page = clinic.login("admin").post("/org/integrations/webhooks/", {"hook-url": url})
    assert page.status_code == 400
    assert "private, loopback, link-local, shared or reserved" in page.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_public_addresses_are_accepted(clinic: Clinic) -> None:
    ok = clinic.login("admin").post(
        "/org/integrations/webhooks/", {"hook-url": "https://93.184.215.14/hook"}
    )
    assert ok.status_code == 200 and WebhookEndpoint.objects.count() == 1


def test_the_setting_allows_private_targets(clinic: Clinic, settings) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = True
    ok = clinic.login("admin").post("/org/integrations/webhooks/", {"hook-url": INSIDE[2]})
    assert ok.status_code == 200 and WebhookEndpoint.objects.count() == 1


def test_a_stored_private_target_is_refused_at_delivery(clinic: Clinic, receiver, settings) -> None:  # noqa: F811
    settings.WEBHOOK_ALLOW_LOOPBACK_HTTP = True  # plain http to 127.0.0.1 is fine, private is not
    state, url = receiver
    WebhookEndpoint.objects.create(organization=clinic.org, url=url, secret="s")
    Alert.objects.create(
        organization=clinic.org,
        episode=clinic.episode,
        kind="risk",
        severity="risk",
        reason="PHQ-9 item 9 answered 1",
        fingerprint="risk:1",
    )
    webhooks.queue_new_deliveries()  # the immediate backend attempts it at once
    assert state.received == []
    assert "private, loopback" in WebhookDelivery.objects.get().tries.get().error


def test_the_connection_itself_is_checked(receiver, settings) -> None:  # noqa: F811
    """Even when the address looked public when checked (a name can be re-pointed a moment
    later), the connected peer is checked before anything is sent."""
    state, url = receiver
    request = urllib.request.Request(url, data=b"{}", method="POST")  # noqa: S310
    with pytest.raises(urllib.error.URLError, match="private, loopback"):
        webhooks._no_redirects().open(request, timeout=5)
    assert state.received == []
    settings.WEBHOOK_ALLOW_PRIVATE = True
    with webhooks._no_redirects().open(request, timeout=5) as answer:
        assert answer.status == 200
    assert len(state.received) == 1
