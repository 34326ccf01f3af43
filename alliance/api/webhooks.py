"""Alert webhooks: one delivery per new alert and endpoint, signed, sent and retried by the
background worker (alliance/jobs).

New alerts are found by a scan on the worker's schedule (api/jobs.py) rather than a signal: the
analysis creates alerts with bulk_create, which sends no signals, and a scan cannot lose an
event to a rolled-back transaction (docs/decisions.md). Each delivery row is created together
with the job that sends it; the unique (endpoint, alert, event) makes a second scan create
nothing, and the delivery's effect claim (jobs/effects.py) makes a job that runs twice post once.
Every attempt carries the delivery's id in X-Alliance-Delivery, the same on every retry, so a
receiver can drop the copy that a worker killed between the post and its record would resend.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from alliance.insights.models import Alert
from alliance.jobs import effects
from alliance.jobs.runner import Rescheduled, job

from .models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint

SIGNATURE_HEADER = "X-Alliance-Signature"
TIMEOUT_SECONDS = 10
LOOKBACK = dt.timedelta(days=2)
CLAIM_BATCH = 20
# A delivery due this soon is sent now (clocks of workers and database differ a little).
DUE_SLACK = dt.timedelta(seconds=5)
# A pending delivery this late has lost its job (queue_overdue).
OVERDUE = dt.timedelta(minutes=10)


PRIVATE_TARGET = (
    "The address is on a private, loopback, link-local, shared or reserved network; alerts are "
    "only sent to public addresses."
)
TIMESTAMP_HEADER = "X-Alliance-Timestamp"


def url_problem(url: str) -> str | None:
    """Why this address may not receive alerts, or None. HTTPS only; plain HTTP to the loopback
    interface only where the installation allows it (tests, local development). Never a
    private or local network unless ALLIANCE_WEBHOOKS_ALLOW_PRIVATE says so: otherwise an admin's
    webhook could make the server post to the clinic's internal services (SSRF)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "Not a valid address."
    if not _scheme_allowed(parts.scheme, host):
        return "The address must start with https://."
    if not settings.WEBHOOK_ALLOW_PRIVATE and any(
        not is_public(address) for address in resolve(host or "", port)
    ):
        return PRIVATE_TARGET
    return None


def _scheme_allowed(scheme: str, host: str | None) -> bool:
    if scheme == "https" and host:
        return True
    if scheme == "http" and host and settings.WEBHOOK_ALLOW_LOOPBACK_HTTP:
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return False


# IPv6 forms that carry an IPv4 address inside, which a router or the operating system may turn
# into a connection to that IPv4 address: 6to4, NAT64 (well-known and local-use prefixes),
# Teredo, and the deprecated IPv4-compatible form. Refused whatever the address inside.
EMBEDDED_IPV4 = tuple(
    ipaddress.ip_network(net)
    for net in ("2002::/16", "64:ff9b::/96", "64:ff9b:1::/48", "2001::/32", "::/96")
)

# Special-purpose ranges that Python 3.11's is_global still counts as global (fixed in 3.13):
# the IETF protocol assignments block (IANA special-purpose registry, RFC 6890).
NOT_GLOBAL = (ipaddress.ip_network("192.0.0.0/24"),)


def is_public(address: str) -> bool:
    """Whether alerts may be sent to this address: globally routable unicast only, as Python's
    `ip.is_global` means it (so not the shared address space 100.64.0.0/10 that carriers and
    one cloud provider's metadata service use, nor documentation or benchmarking ranges), and no
    IPv6 form with an IPv4 address inside (an IPv4-mapped address is judged by the IPv4 one)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.is_site_local or any(ip in net for net in EMBEDDED_IPV4):
            return False
    if any(ip in net for net in NOT_GLOBAL):
        return False
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int | None = None) -> list[str]:
    """Every address the host name stands for now; the literal for an IP address; nothing when
    it does not resolve (then no connection can be made either, and the connect-time check in
    _PublicOnly still guards a name that starts resolving later)."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in found})


class PrivateTarget(OSError):
    pass


def _check_peer(sock: socket.socket) -> None:
    """Checked on the connected socket, not only on a lookup beforehand: a name that resolved
    to a public address at the check could resolve to a private one a moment later."""
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    if not is_public(str(sock.getpeername()[0])):
        sock.close()
        raise PrivateTarget(PRIVATE_TARGET)


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _check_peer(self.sock)


class _PublicHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _check_peer(self.sock)


class _PublicOnly(urllib.request.HTTPSHandler, urllib.request.HTTPHandler):
    def https_open(self, req: Any) -> Any:
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)

    def http_open(self, req: Any) -> Any:
        return self.do_open(_PublicHTTPConnection, req)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """HMAC-SHA256 of "<timestamp>." and the body: the time is signed with the content, so a
    receiver that refuses old timestamps cannot be fed a recorded delivery again later."""
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def payload(alert: Alert) -> dict[str, Any]:
    """What the record system needs to route the alert; no names, no free text from clients."""
    return {
        "event": "alert.created",
        "alert": {
            "id": alert.pk,
            "kind": alert.kind,
            "kind_label": alert.kind_label,
            "severity": alert.severity,
            "state": alert.state,
            "episode_id": alert.episode_id,
            "participant_id": alert.participant_id,
            "session_number": alert.session_number,
            "latest_session_number": alert.latest_session_number,
            "scale": alert.scale,
            "reason": alert.reason,
            "raised_at": alert.raised.isoformat(),
            "opened_at": alert.opened_at.isoformat(),
            "client_codes": alert.episode.audit_client_code().split(",")
            if alert.episode_id
            else [],
            "url": f"{settings.SITE_URL}/api/v1/alerts/{alert.pk}",
        },
    }


def queue_new_deliveries(now: dt.datetime | None = None) -> int:
    """Create the missing deliveries for alerts raised since each endpoint was registered, each
    with its job, in one transaction per delivery."""
    now = now or timezone.now()
    created = 0
    for endpoint in WebhookEndpoint.objects.filter(active=True):
        since = max(endpoint.created_at, now - LOOKBACK)
        alerts = (
            Alert.objects.filter(organization_id=endpoint.organization_id, opened_at__gte=since)
            .exclude(webhook_deliveries__endpoint=endpoint)
            .select_related("episode")
            .prefetch_related("episode__participants__client")
        )
        for alert in alerts:
            created += _create_delivery(endpoint, alert)
    return created


def _create_delivery(endpoint: WebhookEndpoint, alert: Alert) -> bool:
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                endpoint=endpoint, alert=alert, payload=payload(alert)
            )
            # Its job is queued in the same transaction: no delivery without a job to send it.
            queue_attempt(delivery)
    except IntegrityError:
        return False  # another scan created it first
    return True


def queue_attempt(delivery: WebhookDelivery, when: dt.datetime | None = None) -> None:
    the_job = deliver_webhook
    if when is not None and the_job.get_backend().supports_defer:
        the_job = the_job.using(run_after=when)
    elif when is not None:
        return  # the immediate backend (tests) cannot wait; the overdue sweep queues it later
    the_job.enqueue(
        delivery.pk,
        organization_id=delivery.endpoint.organization_id,
        attempt=delivery.attempts + 1,
    )


def queue_overdue(now: dt.datetime | None = None) -> int:
    """A safety net: a pending delivery long past its time has lost its job (its row was
    deleted by hand, say); queue one. Its time is moved to now so it is not queued again at
    every scan while the queue is long."""
    now = now or timezone.now()
    overdue = WebhookDelivery.objects.filter(
        state=DeliveryState.PENDING, next_attempt_at__lt=now - OVERDUE
    ).select_related("endpoint")
    queued = 0
    for delivery in overdue[:CLAIM_BATCH]:
        with transaction.atomic():
            WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now)
            queue_attempt(delivery)
        queued += 1
    return queued


def _no_redirects() -> urllib.request.OpenerDirector:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # a redirect is a failed attempt, never followed to another host

    return urllib.request.build_opener(NoRedirect, _PublicOnly)


def send(delivery: WebhookDelivery) -> WebhookAttempt:
    """One attempt: POST the signed body; record the status, error and duration."""
    body = json.dumps(delivery.payload, sort_keys=True).encode()
    endpoint = delivery.endpoint
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - scheme checked by url_problem
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Alliance-Webhooks/1",
            SIGNATURE_HEADER: sign(endpoint.secret, body, timestamp),
            TIMESTAMP_HEADER: str(timestamp),
            "X-Alliance-Delivery": str(delivery.pk),
            "X-Alliance-Event": delivery.event,
        },
    )
    status, error = None, ""
    started = time.monotonic()
    problem = url_problem(endpoint.url)
    if problem:
        error = problem
    else:
        try:
            with _no_redirects().open(request, timeout=TIMEOUT_SECONDS) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            status, error = exc.code, f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            error = str(getattr(exc, "reason", exc))[:300]
    duration = int((time.monotonic() - started) * 1000)
    return WebhookAttempt.objects.create(
        delivery=delivery, status_code=status, error=error[:300], duration_ms=duration
    )


class DeliveryFailed(Rescheduled):
    """This attempt failed; the delivery's own next attempt is already queued (or it gave up)."""


def deliver(delivery_id: int, now: dt.datetime | None = None, *, by_hand: bool = False) -> str:
    """Attempt one delivery if it is still pending and due. A job that runs twice, or two
    workers with the same delivery, post it once: the attempt is an effect claimed before it.
    An admin's "Retry now" (`by_hand`) gives a delivery that gave up one more attempt."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        return "no such delivery"
    if delivery.state == DeliveryState.FAILED and by_hand:
        delivery.state, delivery.next_attempt_at = DeliveryState.PENDING, timezone.now()
        delivery.save(update_fields=["state", "next_attempt_at"])
    if delivery.state == DeliveryState.FAILED:
        return "gave up earlier; its attempts are on the Integrations page"
    if delivery.state != DeliveryState.PENDING:
        return "already delivered"
    if delivery.next_attempt_at > (now or timezone.now()) + DUE_SLACK:
        return "not due yet"  # a spare job; the delivery's own is queued for later
    key = f"webhook-delivery:{delivery.pk}"
    if not effects.claim(key):
        return "already delivered"
    attempt = send(delivery)
    with transaction.atomic():
        delivery.attempts += 1
        if attempt.ok:
            delivery.state = DeliveryState.DELIVERED
            delivery.delivered_at = attempt.at
            effects.done(key)
        else:
            delivery.schedule_retry(timezone.now())
            effects.release(key)
            if delivery.state == DeliveryState.PENDING:
                queue_attempt(delivery, when=delivery.next_attempt_at)
        delivery.save(update_fields=["attempts", "state", "delivered_at", "next_attempt_at"])
    if not attempt.ok:
        outcome = "gave up" if delivery.state == DeliveryState.FAILED else "will try again"
        raise DeliveryFailed(
            f"{attempt.error or f'HTTP {attempt.status_code}'} from {delivery.endpoint.url} "
            f"(attempt {delivery.attempts} of {settings.WEBHOOK_MAX_ATTEMPTS}, {outcome})"
        )
    return "delivered"


@job
def deliver_webhook(delivery_id: int, *, organization_id: int | None, by_hand: bool = False) -> str:
    """Post one alert webhook delivery (retries follow the delivery's own backoff)."""
    return deliver(delivery_id, by_hand=by_hand)
