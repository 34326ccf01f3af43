"""Open-loop load on the production server: the whole client journey at a fixed arrival rate,
beside a bare view's throughput in the same run, and the time from a submission to its alert.

Usage: .venv/bin/python -m bench.bench_load [--seconds 20] [--workers 4] [--servers 1|2]
           [--episodes 100] [--port FIRST] [--json FILE]

Set-up (not timed): database alliance_bench_load; one organization, one therapist, `--episodes`
individual episodes of 30-40 sessions of synthetic history; one new attended session and one
single-use link per journey to come. The server is gunicorn exactly as `alliance serve` starts
it (its arguments, production settings: ALLIANCE_ENV=production with a secret key, https site
URL, secure cookies, HSTS, production logging), and `alliance worker` runs on its own, as a
separate process, doing the alert recompute each submission queues.

With `--servers 2`, two gunicorn servers (half the workers each) listen on two loopback ports
behind nginx (Debian's nginx-light, round robin); the run is skipped with a message when nginx
is not installed.

Steps, all in one run:
1. bare view: `--concurrency` closed-loop clients GET /healthz (a view that returns "ok", behind
   the same middleware) for a few seconds: requests per second;
2. capacity: the same number of closed-loop clients each do whole journeys without thinking
   for 12 s (each journey = GET the form, POST it, follow the redirect to the thank-you page);
   the worker then finishes the recomputes those answers queued, and the capacity is the
   journeys divided by both times together (what web servers and worker sustain on the same
   cores); the queue is also left empty between load levels;
2a. submissions as the issue counts them: the same closed-loop clients GET a form and POST it
   (the redirect is not followed) for 12 s; with the worker's catch-up counted as in step 2,
   submissions per second beside the bare view's (and the web servers' share alone);
2b. POSTs alone: forms are loaded first (not timed), then the same closed-loop clients only
   POST them for 8 s; with the worker's catch-up counted as in step 2, that is the submission's
   own throughput beside the bare view's (the "POST-only ratio");
3. open loop at 50 %, 80 % and 100 % of that capacity for `--seconds` each: journeys start at
   exponentially distributed intervals (Poisson arrivals) whatever the server does; each client
   thinks 1-3 s between the form and the POST; every step is timed (p50/p95/p99), and journeys
   that had not finished are counted, not dropped;
4. one journey in five answers with a sharp drop (all items 1): the time from the POST's
   answer to its alert being in the database (where the therapist's page reads it) is measured
   by polling every 50 ms.
Budget (issue 19): submissions (form GET + POST) per second ≥ 0.15 × bare requests per
second; alert visible p95 < 5 s at the target load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common
from bench.bench_submit import KEY_RE, PREFIX_RE, free_port

LEVELS = (0.5, 0.8, 1.0)
POST_ONLY_FORMS = 800  # forms loaded for the POST-only capacity (more than 8 s of POSTs)
DROP_EVERY = 5


# --------------------------------------------------------------------------------- set-up


def prepare(n_links: int, n_episodes: int) -> list[tuple[str, tuple[int, int]]]:
    """History plus one link per journey; returns (token, (episode id, session number)),
    episodes round-robin."""
    from alliance.checkins import services
    from alliance.measures.models import current_instrument

    org, therapist = common.individual_history(
        "bench-load",
        "load@bench.test",
        "Lena",
        episodes=n_episodes,
        seed=7,
        sessions=(30, 40),
        prefix="LOAD",
    )
    from alliance.insights.services import recompute_organization

    recompute_organization(org)  # the history's own alerts, before any timing
    from alliance.insights.models import Alert

    # Discussed and closed, so a drop during the run raises a new alert rather than adding to
    # one already open (which the therapist would already see).
    Alert.objects.filter(organization=org).update(state="resolved")
    sessions, clients = common.attended_sessions(org, n_links)
    instrument = current_instrument("alliance-checkin-client")
    links = []
    for session in sessions:
        _request, token = services.issue_link(
            session, clients[session.episode_id], by=therapist, instruments=[instrument]
        )
        links.append((token, (session.episode_id, session.number)))
    return links


def production_env(url: str) -> dict[str, str]:
    env = common.bench_env(url)
    env.update(
        ALLIANCE_ENV="production",
        ALLIANCE_SECRET_KEY=secrets.token_urlsafe(48),
        ALLIANCE_SITE_URL="https://clinic.example",
        ALLIANCE_ALLOWED_HOSTS="127.0.0.1,localhost",
        ALLIANCE_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="alliance.settings",
    )
    return env


def serve_command(port: int, workers: int) -> list[str]:
    """`alliance serve --no-worker --bind 127.0.0.1:PORT --workers N`, as it runs gunicorn."""
    out = subprocess.run(
        [
            str(common.BIN / "alliance"),
            "serve",
            "--dry-run",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**common.bench_env(os.environ["DATABASE_URL"])},
    ).stdout.split()
    return [str(common.BIN / "gunicorn"), *out[1:]]


@dataclass
class Servers:
    procs: list[subprocess.Popen] = field(default_factory=list)
    port: int = 0
    note: str = ""

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_up(port: int, proc: subprocess.Popen, log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"a server stopped at start; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"a server did not start; see {log}")


_port_base = 0  # --port: the servers (and the proxy) listen from here up; 0 = any free port


def next_port() -> int:
    global _port_base
    if not _port_base:
        return free_port()
    _port_base += 1
    return _port_base - 1


def start(url: str, workers: int, count: int, logs: Path) -> Servers | None:
    env = production_env(url)
    # gunicorn is started directly (not through `alliance serve`), so the static files are
    # collected here, with the production storage and its manifest of hashed names.
    subprocess.run(
        [str(common.BIN / "alliance"), "collectstatic", "--noinput", "-v", "0"],
        env=env,
        cwd=common.ROOT,
        check=True,
    )
    servers = Servers()
    ports = [next_port() for _ in range(count)]
    for i, port in enumerate(ports):
        log = logs / f"server{i}.log"
        proc = subprocess.Popen(  # our own programs and arguments
            serve_command(port, max(1, workers // count)),
            env=env,
            cwd=common.ROOT,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        servers.procs.append(proc)
        _wait_up(port, proc, log)
    worker_log = logs / "worker.log"
    servers.procs.append(
        subprocess.Popen(
            [str(common.BIN / "alliance"), "worker"],
            env=env,
            cwd=common.ROOT,
            stdout=worker_log.open("w"),
            stderr=subprocess.STDOUT,
        )
    )
    if count == 1:
        servers.port = ports[0]
        return servers
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not nginx:
        servers.stop()
        return None
    servers.port = next_port()
    conf = logs / "nginx.conf"
    upstream = "\n".join(f"    server 127.0.0.1:{p};" for p in ports)
    conf.write_text(
        f"""daemon off;
worker_processes 1;
pid {logs}/nginx.pid;
error_log {logs}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {logs}/nginx-body;
  proxy_temp_path {logs}/nginx-proxy;
  upstream alliance {{
{upstream}
    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{servers.port};
    location / {{
      proxy_pass http://alliance;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-Proto https;
      proxy_buffering off;
    }}
  }}
}}
"""
    )
    proxy = subprocess.Popen([nginx, "-c", str(conf), "-p", str(logs)])
    servers.procs.insert(0, proxy)
    _wait_up(servers.port, proxy, logs / "nginx-error.log")
    return servers


def memory_per_process(servers: Servers, field_name: str = "VmRSS") -> dict[str, float]:
    """Memory (MB) of each gunicorn master and worker, of nginx and of the task worker:
    resident (VmRSS, from /proc/<pid>/status), or with field_name="Pss" the proportional set
    size (/proc/<pid>/smaps_rollup: each shared page split among the processes sharing it),
    which is what gunicorn's --preload saves and what the processes cost the machine together."""
    out: dict[str, float] = {}
    source = "status" if field_name.startswith("Vm") else "smaps_rollup"
    for proc in servers.procs:
        pids = [proc.pid] + _children(proc.pid)
        for pid in pids:
            try:
                lines = Path(f"/proc/{pid}/{source}").read_text().splitlines()
                cmd = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
            except OSError:
                continue
            kb = next((int(x.split()[1]) for x in lines if x.startswith(f"{field_name}:")), 0)
            kind = (
                "nginx" if "nginx" in cmd else ("task worker" if " worker" in cmd else "gunicorn")
            )
            role = "master" if pid == proc.pid and kind == "gunicorn" else "process"
            out[f"{kind} {role} {pid}"] = kb / 1024
    return out


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(p) for p in found]


# ------------------------------------------------------------------------------- the load


@dataclass
class Record:
    steps: dict[str, list[float]] = field(
        default_factory=lambda: {"form": [], "post": [], "thanks": [], "journey": []}
    )
    errors: list[str] = field(default_factory=list)
    unfinished: int = 0
    # (episode, session number) -> wall-clock time the answer was acknowledged
    submitted: dict[tuple[int, int], float] = field(default_factory=dict)
    watch: AlertWatch | None = None  # told of each dropped answer the moment it is acknowledged


def _answers(html: str, drop: bool) -> dict[str, str] | None:
    key, prefix = KEY_RE.search(html), PREFIX_RE.search(html)
    if not key or not prefix:
        return None
    p, value = prefix.group(1), "1" if drop else "8"
    return {
        "idempotency_key": key.group(1),
        f"{p}-bond": value,
        f"{p}-goals": value,
        f"{p}-tasks": value,
        f"{p}-overall": value,
        f"{p}-change": "",
    }


COOKIE_RE = re.compile(r"^([^=;]+=[^;]*)")


async def journey(
    client,
    token: str,
    episode: tuple[int, int],
    think: float,
    drop: bool,
    rec: Record,
    thank_you: bool = True,
) -> None:
    """GET the form, think, POST it and, with `thank_you`, follow the redirect; every step
    timed. Without `thank_you` the journey ends at the POST's answer (a "submission")."""
    started = time.monotonic()
    try:
        form = await client.get(f"/c/{token}/")
        rec.steps["form"].append((time.monotonic() - started) * 1000)
        data = _answers(form.text, drop) if form.status_code == 200 else None
        if data is None:
            rec.errors.append(f"form {form.status_code}")
            return
        await asyncio.sleep(think)
        sent = time.monotonic()
        posted = await client.post(f"/c/{token}/", data=data)
        rec.steps["post"].append((time.monotonic() - sent) * 1000)
        if posted.status_code != 302:
            rec.errors.append(f"post {posted.status_code}")
            return
        if drop:
            rec.submitted[episode] = time.time()
            if rec.watch is not None:
                rec.watch.expect({episode: rec.submitted[episode]})
        if not thank_you:
            rec.steps["journey"].append((time.monotonic() - started - think) * 1000)
            return
        # The thank-you page is remembered in a Secure cookie; a browser behind TLS sends it.
        cookies = [
            m.group(1) for c in posted.headers.get_list("set-cookie") if (m := COOKIE_RE.match(c))
        ]
        follow = time.monotonic()
        thanks = await client.get(
            posted.headers["location"], headers={"Cookie": "; ".join(cookies)}
        )
        rec.steps["thanks"].append((time.monotonic() - follow) * 1000)
        if thanks.status_code != 200:
            rec.errors.append(f"thank-you {thanks.status_code}")
            return
        rec.steps["journey"].append((time.monotonic() - started - think) * 1000)
    except Exception as failed:  # every failure is counted, none hidden
        rec.errors.append(type(failed).__name__)


def _client(port: int):
    import httpx

    return httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        headers={"X-Forwarded-Proto": "https"},
        timeout=60,
        limits=httpx.Limits(max_connections=400, max_keepalive_connections=100),
        follow_redirects=False,
    )


async def bare(port: int, concurrency: int, seconds: float) -> float:
    done = 0
    stop = time.monotonic() + seconds

    async def loop(client) -> None:
        nonlocal done
        while time.monotonic() < stop:
            if (await client.get("/healthz")).status_code == 200:
                done += 1

    async with _client(port) as client:
        started = time.monotonic()
        await asyncio.gather(*(loop(client) for _ in range(concurrency)))
        return done / (time.monotonic() - started)


async def capacity(
    port: int, concurrency: int, seconds: float, links: list, thank_you: bool = True
) -> tuple[float, Record]:
    """Closed loop without thinking: whole journeys per second, or with thank_you=False
    submissions (form GET + POST, the redirect not followed) as issue 19 counts them."""
    rec = Record()
    stop = time.monotonic() + seconds

    async def loop(client) -> None:
        while time.monotonic() < stop and links:
            token, episode = links.pop()
            await journey(client, token, episode, 0.0, False, rec, thank_you)

    async with _client(port) as client:
        started = time.monotonic()
        await asyncio.gather(*(loop(client) for _ in range(concurrency)))
        return len(rec.steps["journey"]) / (time.monotonic() - started), rec


async def post_capacity(
    port: int, concurrency: int, seconds: float, links: list, forms: int
) -> tuple[float, Record]:
    """POSTs alone: `forms` forms are fetched first (not timed), then `concurrency` closed-loop
    clients POST them (no redirect followed) for `seconds`; answers per second."""
    rec = Record()
    loaded: list[dict[str, str]] = []
    tokens: list[str] = []

    async def fetch(client) -> None:
        while links and len(tokens) < forms:
            token, _episode = links.pop()
            form = await client.get(f"/c/{token}/")
            data = _answers(form.text, False) if form.status_code == 200 else None
            if data is not None:
                tokens.append(token)
                loaded.append(data)

    async def loop(client) -> None:
        while time.monotonic() < stop and tokens:
            token, data = tokens.pop(), loaded.pop()
            sent = time.monotonic()
            posted = await client.post(f"/c/{token}/", data=data)
            if posted.status_code == 302:
                rec.steps["post"].append((time.monotonic() - sent) * 1000)
            else:
                rec.errors.append(f"post {posted.status_code}")

    async with _client(port) as client:
        await asyncio.gather(*(fetch(client) for _ in range(concurrency)))
        stop = time.monotonic() + seconds
        started = time.monotonic()
        await asyncio.gather(*(loop(client) for _ in range(concurrency)))
        return len(rec.steps["post"]) / (time.monotonic() - started), rec


async def open_loop(
    port: int, rate: float, seconds: float, links: list, seed: int, watch: AlertWatch
) -> Record:
    rec = Record(watch=watch)
    rng = random.Random(seed)
    tasks = []
    used: set[int] = set()
    async with _client(port) as client:
        start = next_at = time.monotonic()
        n = 0
        while True:
            next_at += rng.expovariate(rate)
            if next_at - start > seconds or not links:
                break
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            token, episode = links.pop()
            # A drop on an episode not yet dropped in this run, so it raises a new alert.
            drop = n % DROP_EVERY == 0 and episode[0] not in used
            if drop:
                used.add(episode[0])
            tasks.append(
                asyncio.create_task(journey(client, token, episode, rng.uniform(1, 3), drop, rec))
            )
            n += 1
        _done, pending = await asyncio.wait(tasks, timeout=60) if tasks else (set(), set())
        rec.unfinished = len(pending)
        for task in pending:
            task.cancel()
    return rec


class AlertWatch(threading.Thread):
    """Polls the database for the alert each dropped session raises: an alert of its episode
    written after the answer was acknowledged (the therapist's pages read alerts from there)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.waiting: dict[tuple[int, int], float] = {}
        self.seen: dict[tuple[int, int], float] = {}
        self.lock = threading.Lock()
        self.running = True

    def expect(self, submitted: dict[tuple[int, int], float]) -> None:
        with self.lock:
            self.waiting.update(submitted)

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while self.running:
                with self.lock:
                    waiting = dict(self.waiting)
                if waiting:
                    rows = conn.execute(
                        "SELECT episode_id, extract(epoch FROM max(opened_at))"
                        " FROM insights_alert WHERE episode_id = ANY(%s) GROUP BY episode_id",
                        [sorted({e for e, _n in waiting})],
                    ).fetchall()
                    opened = {episode: float(at) for episode, at in rows if at is not None}
                    now = time.time()
                    with self.lock:
                        for (episode, number), at in waiting.items():
                            if opened.get(episode, 0.0) >= at - 0.5:
                                self.seen[(episode, number)] = now - at
                                self.waiting.pop((episode, number), None)
                time.sleep(0.05)


def drain(url: str, limit: float = 180) -> float:
    """Seconds until the worker has no due job left, queued or running (at most `limit`). A job
    queued without a delay carries the backport's far-future date (9999-01-01) as its
    run_after, which means "now": counting only run_after <= now() would miss every one."""
    import psycopg

    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() - started < limit:
            left = conn.execute(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult"
                " WHERE status IN ('READY', 'RUNNING')"
                " AND (run_after <= now() OR run_after >= '9999-01-01 00:00+00')"
            ).fetchone()[0]
            if not left:
                break
            time.sleep(0.2)
    return time.monotonic() - started


def stats(rec: Record) -> dict:
    return {
        "journeys": len(rec.steps["journey"]),
        "errors": len(rec.errors),
        "error kinds": sorted(set(rec.errors)),
        "unfinished": rec.unfinished,
        **{step: common.summary(ms) for step, ms in rec.steps.items() if ms},
    }


def run(args: argparse.Namespace) -> dict:
    url = common.database_url("load")
    common.setup_django(url)
    os.environ["DATABASE_URL"] = url
    cap_guess = 40.0
    # Journeys at each level and in the capacity run, plus submissions (faster: no thank-you page).
    n_links = int(args.seconds * cap_guess * sum(LEVELS) + 66 * cap_guess) + POST_ONLY_FORMS
    links = prepare(n_links, args.episodes)
    random.Random(3).shuffle(links)
    from django.db import connections

    connections.close_all()
    logs = Path(tempfile.mkdtemp(prefix="alliance-load-"))
    servers = start(url, args.workers, args.servers, logs)
    if servers is None:
        print(
            "SKIPPED: two servers need a reverse proxy; install nginx (apt-get install nginx-light)"
        )
        return {"skipped": "nginx is not installed"}
    watch = AlertWatch(url)
    watch.start()
    results: dict = {"servers": args.servers, "workers": args.workers, "logs": str(logs)}
    try:
        results["load average before"] = os.getloadavg()
        results["bare requests/s"] = asyncio.run(bare(servers.port, args.concurrency, 8))
        started = time.monotonic()
        web, rec = asyncio.run(capacity(servers.port, args.concurrency, 12, links))
        web_seconds = time.monotonic() - started
        if not rec.steps["journey"]:
            raise SystemExit(f"no journey succeeded ({rec.errors[:3]}); see the logs in {logs}")
        # The recompute of each answer is the worker's, on the same cores: the capacity is what
        # the web servers and the worker sustain together, so it counts the time the worker
        # then needs to finish the queue.
        drained = drain(url)
        cap = web * web_seconds / (web_seconds + drained)
        results["web-only journeys/s"] = web
        results["worker catch-up after capacity run s"] = drained
        results["capacity journeys/s"] = cap
        results["capacity run"] = stats(rec)
        results["ratio journeys/bare"] = cap / results["bare requests/s"]
        # Submissions (form GET + POST, no thank-you page), in the same run: the issue's measure.
        started = time.monotonic()
        subs, sub_rec = asyncio.run(capacity(servers.port, args.concurrency, 12, links, False))
        sub_seconds = time.monotonic() - started
        sub_drained = drain(url)
        results["worker catch-up after submission run s"] = sub_drained
        results["web-only submissions/s"] = subs
        results["submission capacity/s"] = subs * sub_seconds / (sub_seconds + sub_drained)
        results["submission run"] = stats(sub_rec)
        results["ratio submissions/bare"] = (
            results["submission capacity/s"] / results["bare requests/s"]
        )
        results["ratio web-only submissions/bare"] = subs / results["bare requests/s"]
        # The POST alone, in the same run: what the submission itself costs beside a bare view.
        posts, post_rec = asyncio.run(
            post_capacity(servers.port, args.concurrency, 8, links, POST_ONLY_FORMS)
        )
        post_seconds = len(post_rec.steps["post"]) / posts if posts else 0.0
        post_drained = drain(url)
        results["worker catch-up after POST-only run s"] = post_drained
        results["web-only POSTs/s"] = posts
        results["POST-only capacity/s"] = (
            posts * post_seconds / (post_seconds + post_drained) if posts else 0.0
        )
        results["POST-only run"] = stats(post_rec)
        results["ratio POSTs/bare"] = results["POST-only capacity/s"] / results["bare requests/s"]
        results["ratio web-only POSTs/bare"] = posts / results["bare requests/s"]
        print(
            f"  bare {results['bare requests/s']:.0f}/s, capacity {cap:.1f} journeys/s"
            f" ({results['ratio journeys/bare']:.3f}), submissions (form + POST)"
            f" {results['submission capacity/s']:.1f}/s ({results['ratio submissions/bare']:.3f};"
            f" web only {results['ratio web-only submissions/bare']:.3f}), POSTs alone"
            f" {results['POST-only capacity/s']:.1f}/s ({results['ratio POSTs/bare']:.3f})",
            flush=True,
        )
        results["levels"] = {}
        for i, level in enumerate(LEVELS):
            rate = cap * level
            rec = asyncio.run(open_loop(servers.port, rate, args.seconds, links, i, watch))
            time.sleep(6)
            out_drain = drain(url)
            with watch.lock:
                seen = [watch.seen[e] * 1000 for e in rec.submitted if e in watch.seen]
                missing = [e for e in rec.submitted if e not in watch.seen]
            out = stats(rec)
            out.update(
                rate=rate,
                worker_catch_up_s=out_drain,
                alerts={
                    "drops": len(rec.submitted),
                    "new alert seen": len(seen),
                    # The rules raised nothing new for these (an earlier drop of the same client
                    # in this run, or the drop not unusual for that client's history).
                    "no new alert once the queue was empty": len(missing),
                },
            )
            if seen:
                out["alert visible ms"] = common.summary(seen)
            results["levels"][f"{int(level * 100)}%"] = out
            print(f"  {int(level * 100)}%: {json.dumps(out, default=str)[:400]}", flush=True)
        results["memory MB"] = memory_per_process(servers)
        results["memory PSS MB"] = memory_per_process(servers, "Pss")
        results["load average after"] = os.getloadavg()
    finally:
        watch.running = False
        servers.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--servers", type=int, choices=(1, 2), default=1)
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--port", type=int, default=0, help="first port to listen on (default: any free port)"
    )
    args = parser.parse_args(argv)
    global _port_base
    _port_base = args.port
    results = run(args)
    text = json.dumps(results, indent=2, default=str)
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
