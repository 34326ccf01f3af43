"""Load and fault test: check-ins submitted to the production server while it is hurt.

Usage: .venv/bin/python -m bench.bench_faults [--seconds 120] [--clients 50] [--workers 4]
           [--database-url postgresql://postgres@127.0.0.1:5432/alliance_bench_faults]
           [--postgres-restart-command "pg_ctlcluster --skip-systemctl-redirect 15 main restart"]
           [--out DIR] [--json FILE]

Loopback only and bounded in time (about --seconds + --grace + set-up). The database named in
--database-url (it must be called alliance_bench_*) is dropped, recreated, and dropped again at
the end. Set-up, not timed: one organization and therapist, --episodes individual episodes with
10-20 sessions of synthetic history, then one attended session and one single-use client
check-in link per expected submission, made in bulk (several thousand).

The server is `alliance serve --workers N` itself (gunicorn, sync workers, WhiteNoise) with
ALLIANCE_ENV=production on a free 127.0.0.1 port; production's safety checks pass with a random
secret key and an https:// ALLIANCE_SITE_URL. Secure cookies do not matter: the client form is
csrf_exempt (its token is the proof) and a client needs no cookie.

Each of --clients threads takes the next link, GETs the form, then POSTs the answers and expects
a 302 to the thank-you page. Whenever nothing definite comes back (connection refused or reset,
a 5xx, a timeout) it sends the SAME form again (same link, same idempotency key) after a short
exponential back-off, until success or the deadline (--seconds + --grace). Halfway it kills one
gunicorn worker with SIGKILL (the master starts a new one); at three quarters it runs
--postgres-restart-command. Never point that at a PostgreSQL others are using: the default
restarts the local `main` cluster.

Afterwards the database must hold exactly one response, carrying the client's key, for every
submission answered with success, and never two for one link; submissions never answered with
success are counted as stored (the reply was lost) or absent (the client was told to retry).
The exit status is 1 when that check fails or the server did not recover after the restart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import queue
import random
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common
from bench.fault_check import (
    OK,
    Attempt,
    Submission,
    answered_from_earlier_attempt,
    check,
    disturbances,
    is_retryable,
    latency,
    outcomes,
    timeline,
)

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/alliance_bench_faults"
KEY_RE = re.compile(r'name="idempotency_key" value="([0-9a-f]{32})"')
PREFIX_RE = re.compile(r'name="([A-Za-z0-9_]+)-bond"')
EXCEPTION_RE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Disconnected)):")
TOKEN_IN_LOG_RE = re.compile(r"/c/[A-Za-z0-9_-]{40,64}")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def default_restart_command() -> str:
    """Restart of the local `main` cluster of the newest installed PostgreSQL."""
    versions = sorted(
        (p.name for p in Path("/etc/postgresql").glob("*") if p.name.replace(".", "").isdigit()),
        key=lambda v: [int(x) for x in v.split(".")],
    )
    version = versions[-1] if versions else "15"
    return f"pg_ctlcluster --skip-systemctl-redirect {version} main restart"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------------------------- set-up


def prepare(n_links: int, n_episodes: int) -> list[tuple[str, int]]:
    """History, then `n_links` attended sessions with one client link each: (token, request pk).

    Links are made in bulk rather than through services.issue_link (which audits each one):
    issuing is not what is measured, and thousands one by one would take minutes."""
    from django.db import transaction
    from django.utils import timezone

    from alliance.checkins.models import CheckinRequest, CheckinRequestItem, hash_token
    from alliance.measures.models import current_instrument

    org, therapist = common.individual_history(
        "bench-faults",
        "faults@bench.test",
        "Robin",
        episodes=n_episodes,
        seed=7,
        sessions=(10, 20),
        prefix="FLT",
    )
    instrument = current_instrument("alliance-checkin-client")
    expires = timezone.now() + dt.timedelta(hours=12)
    with transaction.atomic():
        sessions, clients = common.attended_sessions(org, n_links)
        tokens = [secrets.token_urlsafe(32) for _ in sessions]
        requests = CheckinRequest.objects.bulk_create(
            [
                CheckinRequest(
                    session=s,
                    participant=clients[s.episode_id],
                    token_hash=hash_token(t),
                    expires_at=expires,
                    created_by=therapist,
                )
                for s, t in zip(sessions, tokens, strict=True)
            ],
            batch_size=1000,
        )
        CheckinRequestItem.objects.bulk_create(
            [CheckinRequestItem(request=r, instrument=instrument, position=1) for r in requests],
            batch_size=1000,
        )
    return [(t, r.pk) for t, r in zip(tokens, requests, strict=True)]


# ------------------------------------------------------------------------------ the server


def server_env(url: str, port: int) -> dict[str, str]:
    env = common.bench_env(url)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "alliance.settings",
            "ALLIANCE_ENV": "production",
            # What settings.production_problems asks for; nothing leaves the loopback interface.
            "ALLIANCE_SECRET_KEY": secrets.token_urlsafe(48),
            "ALLIANCE_SITE_URL": f"https://127.0.0.1:{port}",
            "ALLIANCE_DEBUG": "false",
            "ALLIANCE_LOG_LEVEL": "ERROR",
        }
    )
    return env


def start_server(url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    command = [
        str(common.BIN / "alliance"),
        "serve",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]
    with log.open("w") as out:
        # Its own process group, so the master and every worker can be stopped together.
        proc = subprocess.Popen(
            command,
            env=server_env(url, port),
            cwd=common.ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if request("GET", port, "/healthz", timeout=5)[0] == 200:
                return proc
        except (OSError, http.client.HTTPException):
            time.sleep(0.3)
    stop_server(proc)
    raise SystemExit(f"the server did not start; see {log}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def gunicorn_master(pid: int) -> int:
    """The gunicorn master under `alliance serve` (process `pid`): serve runs gunicorn and the
    task worker as its two children, and stops both when either ends, so killing "a child of
    serve" would kill the task worker and take the web server down with it. Without a task
    worker (--no-worker) serve has become gunicorn itself."""
    for child in children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"gunicorn" in command:
            return child
    return pid


def children(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (gunicorn's workers are the master's children)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; the parent id follows the last ")".
        fields = text[text.rfind(")") + 2 :].split()
        if len(fields) > 1 and fields[1] == str(pid):
            found.append(int(stat.parent.name))
    return sorted(found)


# ---------------------------------------------------------------------------------- HTTP


def request(
    method: str, port: int, path: str, body: dict[str, str] | None = None, timeout: float = 20
) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = urlencode(body) if body is not None else None
        headers = {"Host": "127.0.0.1"}
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def failure_kind(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, http.client.RemoteDisconnected | http.client.IncompleteRead):
        return "disconnected"  # the connection closed before a whole reply arrived
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return "reset"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, http.client.HTTPException):
        return "disconnected"
    return "reset"


def answers(html: str) -> dict[str, str] | None:
    key, prefix = KEY_RE.search(html), PREFIX_RE.search(html)
    if not key or not prefix:
        return None
    p = prefix.group(1)
    return {
        "idempotency_key": key.group(1),
        f"{p}-bond": "8",
        f"{p}-goals": "7",
        f"{p}-tasks": "9",
        f"{p}-overall": "8",
        f"{p}-change": "Fault test answer.",
    }


# -------------------------------------------------------------------------------- the load


@dataclass
class Faults:
    """When each fault happened, in seconds since the load began."""

    killed_pid: int | None = None
    kill_at: float | None = None
    respawned_after: float | None = None
    restart_at: float | None = None
    restart_seconds: float | None = None
    restart_status: int | None = None
    restart_output: str = ""
    notes: list[str] = field(default_factory=list)


class Load:
    def __init__(
        self,
        links: list[tuple[str, int]],
        port: int,
        seconds: float,
        grace: float,
        timeout: float,
    ) -> None:
        self.todo: queue.Queue[tuple[int, str, int]] = queue.Queue()
        for i, (token, pk) in enumerate(links):
            self.todo.put((i, token, pk))
        self.port = port
        self.timeout = timeout
        self.t0 = time.monotonic()
        self.wall_t0 = time.time()
        self.stop_new = self.t0 + seconds  # no link is opened after this
        self.give_up = self.t0 + seconds + grace  # no retry is sent after this
        self.lock = threading.Lock()
        self.attempts: list[Attempt] = []
        self.submissions: list[Submission] = []
        self.ran_out = False

    def now(self) -> float:
        return time.monotonic() - self.t0

    def _try(
        self, link: int, method: str, path: str, body: dict[str, str] | None = None
    ) -> tuple[str, str]:
        """One request; returns (outcome, page)."""
        started = time.monotonic()
        try:
            status, headers, page = request(method, self.port, path, body, self.timeout)
        except (OSError, http.client.HTTPException) as exc:
            status, headers, page, outcome = 0, {}, "", failure_kind(exc)
        else:
            outcome = f"http_{status}"
            if method == "GET" and status == 200:
                outcome = OK if answers(page) else "bad_form"
            elif method == "POST" and status == 302:
                done = headers.get("Location", "").endswith("/done/")
                outcome = OK if done else "unexpected_302"
        ms = (time.monotonic() - started) * 1000
        with self.lock:
            self.attempts.append(Attempt(link, method, started - self.t0, ms, outcome))
        return outcome, page

    def client(self, seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < self.stop_new:
            try:
                link, token, pk = self.todo.get_nowait()
            except queue.Empty:
                self.ran_out = True
                return
            submission = self.submit(link, token, pk, rng)
            with self.lock:
                self.submissions.append(submission)

    def _backoff(self, tries: int, rng: random.Random) -> bool:
        """Wait before a retry; False once the deadline leaves no time for one."""
        pause = min(2.0, 0.1 * 2**tries) * (0.5 + rng.random())
        if time.monotonic() + pause >= self.give_up:
            return False
        time.sleep(pause)
        return True

    def submit(self, link: int, token: str, pk: int, rng: random.Random) -> Submission:
        path = f"/c/{token}/"
        began = time.monotonic()
        tries = 0
        while True:
            outcome, page = self._try(link, "GET", path)
            if outcome == OK or not is_retryable(outcome) or not self._backoff(tries, rng):
                break
            tries += 1
        data = answers(page) if outcome == OK else None
        if data is None:
            return Submission(link, pk, None, 0, False, outcome, time.monotonic() - began)
        posts = 0
        while True:
            outcome, _page = self._try(link, "POST", path, data)
            posts += 1
            if outcome == OK or not is_retryable(outcome) or not self._backoff(posts - 1, rng):
                break
        return Submission(
            link,
            pk,
            data["idempotency_key"],
            posts,
            outcome == OK,
            outcome,
            time.monotonic() - began,
        )


def inflict(
    load: Load,
    master: int,
    workers: int,
    kill_at: float,
    restart_at: float,
    restart_command: str,
    faults: Faults,
) -> None:
    """Kill one worker at `kill_at`, restart PostgreSQL at `restart_at` (seconds into the load)."""
    time.sleep(max(0.0, kill_at - load.now()))
    before = children(master)
    if before:
        victim = before[len(before) // 2]
        faults.killed_pid, faults.kill_at = victim, load.now()
        os.kill(victim, signal.SIGKILL)
        while load.now() - faults.kill_at < 30:
            now = children(master)
            if len(now) >= workers and victim not in now:
                faults.respawned_after = load.now() - faults.kill_at
                break
            time.sleep(0.05)
    else:
        faults.notes.append("no gunicorn worker found to kill")
    if not restart_command:
        faults.notes.append("no PostgreSQL restart (empty --postgres-restart-command)")
        return
    time.sleep(max(0.0, restart_at - load.now()))
    faults.restart_at = load.now()
    try:
        done = subprocess.run(
            shlex.split(restart_command), capture_output=True, text=True, timeout=120
        )
        faults.restart_status = done.returncode
        faults.restart_output = (done.stdout + done.stderr).strip()[-500:]
    except (OSError, subprocess.TimeoutExpired) as exc:
        faults.restart_status = -1
        faults.restart_output = str(exc)
    faults.restart_seconds = load.now() - faults.restart_at


# -------------------------------------------------------------------------------- checking


def stored_responses(
    request_pks: list[int], wall_t0: float
) -> tuple[dict[int, list[str]], dict[int, float]]:
    """Each link's stored idempotency keys, and when its (first) response was stored, in seconds
    since the load began (server and clients share this machine's clock)."""
    from alliance.checkins.models import Response

    keys: dict[int, list[str]] = {pk: [] for pk in request_pks}
    stored_at: dict[int, float] = {}
    rows = Response.objects.filter(request_id__in=request_pks).values_list(
        "request_id", "idempotency_key", "submitted_at"
    )
    for request_pk, key, submitted_at in rows:
        keys[request_pk].append(key)
        at = submitted_at.timestamp() - wall_t0
        stored_at[request_pk] = min(at, stored_at.get(request_pk, at))
    return keys, stored_at


def database_checks(succeeded: list[int]) -> dict[str, int]:
    from django.db.models import Count

    from alliance.checkins.models import CheckinRequest, Response

    return {
        "links_not_completed": CheckinRequest.objects.filter(pk__in=succeeded)
        .exclude(state="completed")
        .count(),
        "answered_twice_anywhere": Response.objects.values(
            "session_id", "participant_id", "instrument_key"
        )
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count(),
    }


def server_log_summary(log: Path) -> dict[str, Any]:
    """What the server wrote besides the access log: exceptions by name, gunicorn's notices."""
    exceptions: Counter[str] = Counter()
    notices: Counter[str] = Counter()
    tracebacks = tokens = 0
    for line in log.read_text(errors="replace").splitlines():
        tokens += bool(TOKEN_IN_LOG_RE.search(line))
        if line.startswith("Traceback"):
            tracebacks += 1
        elif m := EXCEPTION_RE.match(line):
            exceptions[m.group(1)] += 1
        elif "[ERROR]" in line or "[WARNING]" in line or "[CRITICAL]" in line:
            # gunicorn: "[date] [pid] [ERROR] Worker (pid:123) was sent SIGKILL! ..."
            text = line.split("] ", 3)[-1]
            notices[re.sub(r"\d+", "N", text)[:100]] += 1
    return {
        "lines_with_a_token": tokens,  # must be 0: a link's token is its secret
        "tracebacks": tracebacks,
        "exceptions": dict(exceptions.most_common(8)),
        "gunicorn": dict(notices.most_common(8)),
    }


# --------------------------------------------------------------------------------- the run


def run(args: argparse.Namespace) -> dict[str, Any]:
    url = args.database_url
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK:
        raise SystemExit("the fault test runs on loopback only: use a 127.0.0.1 database URL")
    if not parts.path.lstrip("/").startswith("alliance_bench"):
        raise SystemExit("the database name must start with alliance_bench (it is dropped)")
    out = Path(args.out or f"/tmp/alliance-bench-faults-{int(time.time())}")
    out.mkdir(parents=True, exist_ok=True)
    n_links = args.links or int(args.seconds * 100) + 200
    print(f"== load and fault test: {args.clients} clients, {args.workers} workers", flush=True)
    print(f"  database {url}; restart: {args.postgres_restart_command!r}", flush=True)
    common.setup_django(url)
    from django.db import connections

    try:
        started = time.perf_counter()
        links = prepare(n_links, args.episodes)
        print(f"  {len(links)} links ready in {time.perf_counter() - started:.0f} s", flush=True)
        connections.close_all()  # this process holds no connection through the restart
        port = free_port()
        log = out / "server.log"
        server = start_server(url, port, args.workers, log)
        faults = Faults()
        try:
            load = Load(links, port, args.seconds, args.grace, args.timeout)
            fault_thread = threading.Thread(
                target=inflict,
                args=(
                    load,
                    gunicorn_master(server.pid),
                    args.workers,
                    args.seconds * args.kill_at,
                    args.seconds * args.restart_at,
                    args.postgres_restart_command,
                    faults,
                ),
                daemon=True,
            )
            threads = [threading.Thread(target=load.client, args=(k,)) for k in range(args.clients)]
            for th in [*threads, fault_thread]:
                th.start()
            for th in threads:
                th.join()
            elapsed = load.now()
            fault_thread.join(timeout=150)
            workers_at_end = len(children(gunicorn_master(server.pid)))
        finally:
            stop_server(server)
        ready = pg_ready(url, 60)
        result = summarise(args, load, faults, elapsed, links, log, workers_at_end, ready)
    finally:
        connections.close_all()
        if args.keep_database:
            print(f"  database kept: {url}", flush=True)
        else:
            common.drop_database(url)
    result["out"] = str(out)
    (out / "summary.json").write_text(json.dumps(result, indent=2, default=str))
    (out / "summary.md").write_text(markdown(result))
    print(f"  summary: {out / 'summary.md'}, {out / 'summary.json'}", flush=True)
    return result


def pg_ready(url: str, wait: float) -> bool:
    """Wait until PostgreSQL answers again (the checks below need it)."""
    parts = urlsplit(url)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        done = subprocess.run(
            ["pg_isready", "-q", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
        )
        if done.returncode == 0:
            return True
        time.sleep(0.5)
    return False


def summarise(
    args: argparse.Namespace,
    load: Load,
    faults: Faults,
    elapsed: float,
    links: list[tuple[str, int]],
    log: Path,
    workers_at_end: int,
    pg_up: bool,
) -> dict[str, Any]:
    submissions = sorted(load.submissions, key=lambda s: s.link)
    attempts = sorted(load.attempts, key=lambda a: a.started)
    keys, stored_at = stored_responses([pk for _t, pk in links], load.wall_t0)
    integrity = check(submissions, keys)
    db = database_checks([s.request_pk for s in submissions if s.succeeded])
    marks = []
    if faults.kill_at is not None:
        marks.append(("worker killed", faults.kill_at))
    if faults.restart_at is not None:
        marks.append(("PostgreSQL restart", faults.restart_at))
    phases = disturbances(attempts, marks, elapsed)
    after_restart = [
        a
        for a in attempts
        if faults.restart_at is not None
        and a.method == "POST"
        and a.outcome == OK
        and a.started >= faults.restart_at + (faults.restart_seconds or 0)
    ]
    recovered = faults.restart_at is None or bool(after_restart)
    posts_ok = [a.ms for a in attempts if a.method == "POST" and a.outcome == OK]
    gets_ok = [a.ms for a in attempts if a.method == "GET" and a.outcome == OK]
    failed = Counter(a.outcome for a in attempts if a.outcome != OK)
    result: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": shlex.join(["python", "-m", "bench.bench_faults", *sys.argv[1:]]),
        "clients": args.clients,
        "workers": args.workers,
        "seconds": round(elapsed, 1),
        "postgres": postgres_version(),
        "links_issued": len(links),
        "links_opened": len(submissions),
        "ran_out_of_links": load.ran_out,
        "successes": integrity.successes,
        "throughput_per_s": integrity.successes / elapsed if elapsed else 0.0,
        "post_ms": latency(posts_ok),
        "get_ms": latency(gets_ok),
        # From opening the link to the success, retries and back-off included.
        "submission_s": latency([s.seconds for s in submissions if s.succeeded]),
        "retried_submission_s": latency(
            [s.seconds for s in submissions if s.succeeded and s.posts > 1]
        ),
        "attempts": outcomes(attempts),
        "errors": dict(sorted(failed.items())),
        "retries": sum(max(0, s.posts - 1) for s in submissions),
        "retried_successes": integrity.retried_successes,
        "answered_from_earlier_attempt": answered_from_earlier_attempt(
            submissions, attempts, stored_at
        ),
        "faults": asdict(faults),
        "disturbances": [asdict(d) for d in phases],
        "recovered_after_restart": recovered,
        "first_success_after_restart_s": (
            min(a.started + a.ms / 1000 for a in after_restart) - faults.restart_at
            if after_restart and faults.restart_at is not None
            else None
        ),
        "workers_at_end": workers_at_end,
        "postgres_up_at_end": pg_up,
        "integrity": asdict(integrity) | {"problems": integrity.problems[:20]},
        "db": db,
        "server_log": server_log_summary(log),
        "timeline_5s": timeline(attempts, 5.0),
    }
    result["pass_integrity"] = (
        integrity.ok and not db["links_not_completed"] and not db["answered_twice_anywhere"]
    )
    result["pass_log_privacy"] = not result["server_log"]["lines_with_a_token"]
    result["pass"] = result["pass_integrity"] and recovered and result["pass_log_privacy"]
    print_summary(result)
    return result


def postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0])


def _ms(s: dict[str, float]) -> str:
    if not s.get("n"):
        return "none"
    return f"p50 {s['p50']:,.0f} / p95 {s['p95']:,.0f} / p99 {s['p99']:,.0f} ms (n={s['n']:.0f})"


def print_summary(r: dict[str, Any]) -> None:
    i, f = r["integrity"], r["faults"]
    print(
        f"  {r['successes']} successes in {r['seconds']} s = {r['throughput_per_s']:.1f}/s; "
        f"POST {_ms(r['post_ms'])}",
        flush=True,
    )
    print(
        f"  attempts: {r['attempts']}; retried POSTs {r['retries']}; successes after a retry "
        f"{r['retried_successes']}, of which answered from an earlier stored attempt "
        f"{r['answered_from_earlier_attempt']}",
        flush=True,
    )
    if r["ran_out_of_links"]:
        print("  WARNING: the clients ran out of links before the end; raise --links", flush=True)
    print(
        f"  kill: pid {f['killed_pid']} at {f['kill_at'] or 0:.1f} s, "
        f"new worker after {f['respawned_after'] or 0:.1f} s; restart at "
        f"{f['restart_at'] or 0:.1f} s took {f['restart_seconds'] or 0:.1f} s "
        f"(exit {f['restart_status']})",
        flush=True,
    )
    for d in r["disturbances"]:
        print(f"  errors {d['name']}: {d['errors'] or 'none'}", flush=True)
    print(
        f"  integrity: {i['successes']} successes, {i['stored_once']} stored once, lost "
        f"{i['lost']}, duplicates {i['duplicates']}, wrong key {i['wrong_key']}, "
        f"unresolved stored {i['unresolved_stored']} / absent {i['unresolved_absent']}; "
        f"db {r['db']}",
        flush=True,
    )
    print(f"  server log: {r['server_log']}", flush=True)
    print(
        f"  recovered after restart: {r['recovered_after_restart']}; "
        f"integrity {'PASS' if r['pass_integrity'] else 'FAIL'}; no token in the server log "
        f"{'PASS' if r['pass_log_privacy'] else 'FAIL'}",
        flush=True,
    )


def markdown(r: dict[str, Any]) -> str:
    i, f = r["integrity"], r["faults"]
    rows = [
        ("when", r["when"]),
        ("clients / workers / seconds", f"{r['clients']} / {r['workers']} / {r['seconds']}"),
        ("PostgreSQL", r["postgres"]),
        ("submissions answered with success", f"{r['successes']}"),
        ("throughput", f"{r['throughput_per_s']:.1f} per second"),
        ("POST latency (successful attempts)", _ms(r["post_ms"])),
        ("GET latency (successful attempts)", _ms(r["get_ms"])),
        ("attempts by outcome", json.dumps(r["attempts"])),
        ("retried POSTs", str(r["retries"])),
        (
            "successes after a retry / of which the earlier attempt had been stored",
            f"{r['retried_successes']} / {r['answered_from_earlier_attempt']}",
        ),
        (
            "worker killed",
            f"at {f['kill_at'] or 0:.1f} s; new worker after {f['respawned_after'] or 0:.1f} s",
        ),
        (
            "PostgreSQL restart",
            f"at {f['restart_at'] or 0:.1f} s, took {f['restart_seconds'] or 0:.1f} s",
        ),
        *((f"errors {d['name']}", json.dumps(d["errors"])) for d in r["disturbances"]),
        (
            "stored once / lost / duplicates",
            f"{i['stored_once']} / {i['lost']} / {i['duplicates']}",
        ),
        (
            "never answered with success: stored / absent",
            f"{i['unresolved_stored']} / {i['unresolved_absent']}",
        ),
        ("successes per 5 s", " ".join(str(ok) for _t, ok, _f in r["timeline_5s"])),
        ("failed attempts per 5 s", " ".join(str(f) for _t, _ok, f in r["timeline_5s"])),
        ("server log lines with a token", str(r["server_log"]["lines_with_a_token"])),
        ("verdict", "PASS" if r["pass"] else "FAIL"),
    ]
    lines = ["| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument(
        "--postgres-restart-command",
        default=default_restart_command(),
        help="Run at --restart-at; an empty string skips the restart.",
    )
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--links", type=int, default=0, help="Default: 100 per second + 200.")
    parser.add_argument("--grace", type=float, default=30, help="Retry time after --seconds.")
    parser.add_argument("--timeout", type=float, default=30, help="Per request, seconds.")
    parser.add_argument("--kill-at", type=float, default=0.5, help="Share of --seconds.")
    parser.add_argument("--restart-at", type=float, default=0.75, help="Share of --seconds.")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--out", help="Directory for summary.json, summary.md and server.log.")
    parser.add_argument("--json", help="Also write the results to this file.")
    args = parser.parse_args(argv)
    result = run(args)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
