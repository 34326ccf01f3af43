"""The lock files cover pyproject.toml: a dependency added there without `make lock` fails here
(the install would refuse it anyway, with --require-hashes, but less clearly)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503


def _names(requirements: list[str]) -> set[str]:
    return {_normal(re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0]) for r in requirements}


def _locked(name: str) -> set[str]:
    text = (ROOT / "requirements" / name).read_text()
    return {_normal(m) for m in re.findall(r"^([A-Za-z0-9._-]+)==", text, re.M)}


def test_every_dependency_is_locked_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, test = _locked("runtime.txt"), _locked("test.txt")
    assert _names(project["dependencies"]) <= runtime, "run make lock"
    assert _names(project["optional-dependencies"]["test"]) <= test, "run make lock"
    assert runtime <= test, "the test set includes the runtime set"
    for name in ("runtime.txt", "test.txt"):
        text = (ROOT / "requirements" / name).read_text()
        assert text.count("==") == len(re.findall(r"==[^\s]+ \\\n\s+--hash=sha256:", text)), name
        assert "file://" not in text and "--find-links" not in text, name
