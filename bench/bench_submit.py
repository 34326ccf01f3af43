"""Check-in submissions against the production server (gunicorn) on PostgreSQL, 50 at once.

Usage: .venv/bin/python -m bench.bench_submit [--concurrency 50] [--max-submissions 2000]
           [--seconds 60] [--workers 4] [--think-seconds 5] [--json FILE]

Database: alliance_bench_submit (dropped and recreated). Set-up, not timed: one organization,
one therapist, `--episodes` individual episodes with 30-40 sessions of synthetic history each
(so the alert recompute after every submit analyses a realistic history), then a new attended
session per link and one single-use link per session (services.issue_link, the client alliance
check-in). The server is gunicorn on a free loopback port with the same arguments as
`alliance serve --workers N` (plus %(D)s in the access log for the server's own time).

Each of the `--concurrency` submitter threads takes the next link, GETs the form (no CSRF token:
the client form is csrf_exempt; it carries a hidden idempotency_key), then POSTs the answers and
expects a 302 to the thank-you page; it stops at --max-submissions or --seconds. Then: a
repeat POST of a sample of completed forms (same key, new connection, no cookie), and pairs of
simultaneous POSTs of the same fresh form. Finally the database is checked: exactly one
response per successful link, none for a failed one, and no (session, participant, instrument)
answered twice. Budget: POST p95 < 100 ms at 50 concurrent, alerts recomputed included; no
error, no lost or doubled response.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

KEY_RE = re.compile(r'name="idempotency_key" value="([0-9a-f]{32})"')
PREFIX_RE = re.compile(r'name="([A-Za-z0-9_]+)-bond"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------------- set-up


def prepare(n_links: int, n_episodes: int) -> dict[str, int]:
    """History plus `n_links` fresh sessions, each with one link; returns token -> request pk."""
    from alliance.checkins import services
    from alliance.measures.models import current_instrument

    org, therapist = common.individual_history(
        "bench-submit",
        "submit@bench.test",
        "Sasha",
        episodes=n_episodes,
        seed=5,
        sessions=(30, 40),
        prefix="SUB",
    )
    sessions, clients = common.attended_sessions(org, n_links)
    instrument = current_instrument("alliance-checkin-client")
    tokens: dict[str, int] = {}
    started = time.perf_counter()
    for k, session in enumerate(sessions):
        request, token = services.issue_link(
            session, clients[session.episode_id], by=therapist, instruments=[instrument]
        )
        tokens[token] = request.pk
        if (k + 1) % 500 == 0:
            print(f"  {k + 1} links issued ({time.perf_counter() - started:.0f} s)", flush=True)
    return tokens


# ------------------------------------------------------------------------------- the server


def start_server(url: str, port: int, workers: int, log: Path) -> subprocess.Popen:
    env = common.bench_env(url)
    env["DJANGO_SETTINGS_MODULE"] = "alliance.settings"
    env["ALLIANCE_SITE_URL"] = f"http://127.0.0.1:{port}"
    gunicorn = str(common.BIN / "gunicorn")
    # The arguments of `alliance serve` (alliance/dashboard/management/commands/serve.py), with
    # the request time in microseconds (%(D)s) added to the access log.
    command = [
        gunicorn,
        "alliance.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--access-logformat",
        "%(m)s %(U)s %(s)s %(D)s",
        "--forwarded-allow-ips",
        "127.0.0.1",
        "--graceful-timeout",
        "20",
    ]
    out = log.open("w")
    proc = subprocess.Popen(
        command,
        env=env,
        cwd=common.ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _h, _b = request("GET", port, "/healthz")
            if status in (200, 301, 302, 404):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"the server did not start; see {log}")


def request(
    method: str, port: int, path: str, body: dict | None = None, headers: dict | None = None
) -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        data = urlencode(body) if body is not None else None
        h = {"Host": "127.0.0.1", **(headers or {})}
        if data is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        found = dict(resp.getheaders())
        # Every cookie the page set, as a browser would send them back ("name=value; …").
        found["_cookies"] = "; ".join(
            v.split(";", 1)[0]
            for k, v in resp.getheaders()
            if k.lower() == "set-cookie" and "=;" not in v.split(";", 1)[0] + ";"
        )
        return resp.status, found, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


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
        f"{p}-change": "Benchmark answer.",
    }


# ------------------------------------------------------------------------------- the load


class Run:
    def __init__(self, tokens: list[str], limit: int, seconds: float, think: float = 0.0) -> None:
        self.think = think
        self.todo: queue.Queue[str] = queue.Queue()
        for t in tokens[:limit]:
            self.todo.put(t)
        self.deadline = time.monotonic() + seconds
        self.lock = threading.Lock()
        self.post_ms: list[float] = []
        self.get_ms: list[float] = []
        self.done: dict[str, dict[str, str]] = {}  # token -> posted data (302 received)
        self.errors: list[str] = []

    def worker(self, port: int) -> None:
        while time.monotonic() < self.deadline:
            try:
                token = self.todo.get_nowait()
            except queue.Empty:
                return
            path = f"/c/{token}/"
            try:
                t0 = time.perf_counter()
                status, got, html = request("GET", port, path)
                t1 = time.perf_counter()
                data = answers(html) if status == 200 else None
                if data is None:
                    self._error(f"GET {status}")
                    continue
                if self.think:
                    # Someone reading and answering; spread so the submitters do not march
                    # in step.
                    time.sleep(random.uniform(0.5, 1.5) * self.think)
                t2 = time.perf_counter()
                status, headers, _b = request("POST", port, path, data)
                t3 = time.perf_counter()
            except OSError as exc:
                self._error(f"{type(exc).__name__}: {exc}")
                continue
            with self.lock:
                self.get_ms.append((t1 - t0) * 1000)
                self.post_ms.append((t3 - t2) * 1000)
                if status == 302 and headers.get("Location", "").endswith("/done/"):
                    # Kept with the cookies the form set: a resend comes from the same browser.
                    self.done[token] = {**data, "_cookies": got.get("_cookies", "")}
                else:
                    self.errors.append(f"POST {status}")

    def _error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


def double_submits(port: int, run: Run, spare: list[str], sample: int) -> dict[str, int]:
    """Repeat POSTs of completed forms, and simultaneous pairs of POSTs of fresh forms."""
    repeats = list(run.done.items())[:sample]
    repeat_ok = 0
    for token, sent in repeats:
        # The same browser sending the form again (its first answer's reply lost): since the
        # link pages stopped trusting the key alone, it is recognised by the form's cookie.
        data = {k: v for k, v in sent.items() if k != "_cookies"}
        cookie = {"Cookie": sent["_cookies"]} if sent.get("_cookies") else {}
        status, headers, _b = request("POST", port, f"/c/{token}/", data, cookie)
        repeat_ok += status == 302 and headers.get("Location", "").endswith("/done/")
    pairs_ok, pair_tokens = 0, []
    for token in spare[:sample]:
        status, _h, html = request("GET", port, f"/c/{token}/")
        data = answers(html) if status == 200 else None
        if data is None:
            continue
        results: list[int] = []

        def post(d: dict = data, t: str = token, out: list[int] = results) -> None:
            out.append(request("POST", port, f"/c/{t}/", d)[0])

        threads = [threading.Thread(target=post) for _ in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        pairs_ok += results == [302, 302]
        pair_tokens.append(token)
    return {
        "repeats": len(repeats),
        "repeat_302": repeat_ok,
        "pairs": len(pair_tokens),
        "pairs_both_302": pairs_ok,
        "pair_tokens": pair_tokens,
    }  # type: ignore[dict-item]


def verify(tokens: dict[str, int], succeeded: set[str], attempted: set[str]) -> dict[str, int]:
    from django.db.models import Count

    from alliance.checkins.models import CheckinRequest, Response

    per_request = dict(
        Response.objects.filter(request_id__in=list(tokens.values()))
        .values_list("request_id")
        .annotate(n=Count("id"))
        .values_list("request_id", "n")
    )
    lost = sum(1 for t in succeeded if per_request.get(tokens[t], 0) == 0)
    doubled = sum(1 for t in attempted if per_request.get(tokens[t], 0) > 1)
    stray = sum(1 for t in attempted - succeeded if per_request.get(tokens[t], 0) > 0)
    not_completed = (
        CheckinRequest.objects.filter(pk__in=[tokens[t] for t in succeeded])
        .exclude(state="completed")
        .count()
    )
    twice = (
        Response.objects.values("session_id", "participant_id", "instrument_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "successes": len(succeeded),
        "responses": sum(per_request.values()),
        "lost": lost,
        "doubled": doubled,
        "stored_for_failed": stray,
        "links_not_completed": not_completed,
        "answered_twice_anywhere": twice,
    }


def server_times(log: Path) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"POST": [], "GET": []}
    for line in log.read_text(errors="replace").splitlines():
        parts = line.split()
        if (
            len(parts) == 4
            and parts[0] in out
            and parts[1].startswith("/c/")
            and parts[1].count("/") == 3
            and parts[3].isdigit()
        ):
            out[parts[0]].append(int(parts[3]) / 1000)
    return out


def run(
    concurrency: int,
    limit: int,
    seconds: float,
    workers: int,
    episodes: int,
    sample: int,
    think: float = 0.0,
) -> dict:
    url = common.database_url("submit")
    common.setup_django(url)
    started = time.perf_counter()
    tokens = prepare(limit + sample, episodes)
    print(f"  {len(tokens)} links ready in {time.perf_counter() - started:.0f} s", flush=True)
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics, as autovacuum would give
    connections.close_all()
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"alliance-bench-submit-{port}.log"
    server = start_server(url, port, workers, log)
    try:
        ordered = list(tokens)
        load_tokens, spare = ordered[:limit], ordered[limit:]
        r = Run(load_tokens, limit, seconds, think)
        threads = [threading.Thread(target=r.worker, args=(port,)) for _ in range(concurrency)]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t0
        attempted = set(load_tokens) - set(r.todo.queue)
        doubles = double_submits(port, r, spare, sample)
    finally:
        server.terminate()
        server.wait(timeout=30)
    succeeded = set(r.done) | set(doubles.pop("pair_tokens"))  # type: ignore[arg-type]
    attempted |= set(spare[:sample])
    check = verify(tokens, succeeded, attempted)
    srv = server_times(log)
    failures = [
        ln
        for ln in log.read_text(errors="replace").splitlines()
        if "Traceback" in ln or "recompute failed" in ln or "[ERROR]" in ln
    ]
    result = {
        "concurrency": concurrency,
        "think_seconds": think,
        "workers": workers,
        "seconds": round(elapsed, 1),
        "submissions": len(r.done),
        "throughput_per_s": len(r.done) / elapsed,
        "post_ms": common.summary(r.post_ms) if r.post_ms else {},
        "get_ms": common.summary(r.get_ms) if r.get_ms else {},
        "server_post_ms": common.summary(srv["POST"]) if srv["POST"] else {},
        "errors": len(r.errors),
        "error_kinds": sorted(set(r.errors))[:10],
        "server_log_errors": len(failures),
        "double_submit": doubles,
        "db": check,
    }
    p = result["post_ms"]
    print(
        f"  {len(r.done)} submissions in {elapsed:.1f} s = {result['throughput_per_s']:.1f}/s;"
        f" POST p50 {p.get('p50', 0):.0f} p95 {p.get('p95', 0):.0f} "
        f"p99 {p.get('p99', 0):.0f} ms; errors {len(r.errors)}",
        flush=True,
    )
    s = result["server_post_ms"]
    if s:
        print(
            f"  server time of POST (gunicorn %(D)s): p50 {s['p50']:.0f} p95 {s['p95']:.0f} "
            f"p99 {s['p99']:.0f} ms",
            flush=True,
        )
    print(f"  double submit: {doubles}", flush=True)
    print(f"  database: {check}; server log errors {len(failures)}", flush=True)
    ok_db = not (
        check["lost"]
        or check["doubled"]
        or check["stored_for_failed"]
        or check["links_not_completed"]
        or check["answered_twice_anywhere"]
    )
    result["pass_latency"] = bool(p) and p["p95"] < 100
    result["pass_integrity"] = (
        ok_db
        and not r.errors
        and not failures
        and doubles["repeat_302"] == doubles["repeats"]
        and doubles["pairs_both_302"] == doubles["pairs"]
    )
    print(
        f"  budget POST p95 < 100 ms: {'PASS' if result['pass_latency'] else 'FAIL'}; "
        f"no error/lost/doubled: {'PASS' if result['pass_integrity'] else 'FAIL'}",
        flush=True,
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--max-submissions", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--double-sample", type=int, default=50)
    parser.add_argument(
        "--think-seconds",
        type=float,
        default=5.0,
        help="Mean time a submitter spends between opening the form and sending it (0 = a"
        " closed loop that measures capacity, not the latency a client sees).",
    )
    parser.add_argument("--json", help="Write the results to this file.")
    args = parser.parse_args(argv)
    result = run(
        args.concurrency,
        args.max_submissions,
        args.seconds,
        args.workers,
        args.episodes,
        args.double_sample,
        args.think_seconds,
    )
    if args.json:
        Path(args.json).write_text(json.dumps(result, default=str, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
