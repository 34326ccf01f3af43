"""The instruments shipped with the product (pure: reads JSON files next to this module)."""

from __future__ import annotations

from pathlib import Path

from alliance.measures.definition import InstrumentDefinitionError, load_definition
from alliance.measures.scoring import Instrument


def shipped_definitions_dir() -> Path:
    return Path(__file__).resolve().parent / "instruments"


def shipped_paths() -> list[Path]:
    return sorted(shipped_definitions_dir().glob("*.json"))


def load_shipped() -> dict[str, Instrument]:
    """Every shipped instrument by key. A broken shipped file is a bug, so it raises, naming
    the file, rather than quietly leaving the instrument out."""
    found: dict[str, Instrument] = {}
    for path in shipped_paths():
        try:
            instrument = load_definition(path)
        except InstrumentDefinitionError as exc:
            raise InstrumentDefinitionError([f"{path.name}: {m}" for m in exc.messages]) from exc
        if instrument.key in found:
            raise InstrumentDefinitionError([f"{path.name}: key '{instrument.key}' is duplicated"])
        found[instrument.key] = instrument
    return found
