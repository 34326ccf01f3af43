"""`alliance serve` runs a worker beside gunicorn; Ctrl+C (SIGINT to the terminal's process
group) and SIGTERM (to the command alone, as systemd does) stop both. Real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
PORT = 8452


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def command_line(pid: int) -> str:
    return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.3)
    return False


def healthy() -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("serve")
    env = {**os.environ, "ALLIANCE_ENV": "development", "ALLIANCE_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)
    subprocess.run([BIN / "alliance", "migrate", "-v", "0"], env=env, check=True, timeout=600)
    return env


@pytest.mark.parametrize("stop", ["ctrl_c", "sigterm"])
def test_serve_starts_a_worker_and_stopping_it_stops_both(
    environment: dict[str, str], stop: str
) -> None:
    serve = subprocess.Popen(
        [BIN / "alliance", "serve", "--bind", f"127.0.0.1:{PORT}", "--workers", "1"],
        env=environment,
        start_new_session=True,  # its own process group, like a terminal's foreground job
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(healthy, 120), "the web server did not answer"
        started = children(serve.pid)
        lines = [command_line(pid) for pid in started]
        assert any("gunicorn" in line for line in lines), lines
        assert any(line.endswith("alliance.cli worker ") for line in lines), lines

        if stop == "ctrl_c":
            os.killpg(serve.pid, signal.SIGINT)
        else:
            serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
        assert wait_for(lambda: not any(alive(pid) for pid in started), 30)
        assert not healthy()
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
