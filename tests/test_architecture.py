"""The architecture the docs describe is the one `make lint` enforces: the layer diagram in
docs/architecture.md is drawn from the import contracts in pyproject.toml, and no module imports
inside a function to dodge a cycle (docs/architecture.md, "Imports at the top")."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"

# One title per layer of the "layers" contract, top to bottom.
LAYER_TITLES = [
    "presentation and tools",
    "insight",
    "plan",
    "measurement",
    "instruments",
    "clinical record",
    "foundation",
    "shared small modules",
]

# Imports inside a function that exist to dodge an import cycle: none. A new one fails the test.
STILL_INSIDE_FUNCTIONS: set[str] = set()

# Where an import inside a function is right, not a dodge: AppConfig.ready() runs once the
# models are loaded, which they are not when apps.py itself is imported (Django's own pattern);
# wsgi.settle() loads every view module before the first request, on purpose.
ALLOWED_FUNCTIONS = {"ready", "settle"}


def layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return [
        [name.strip().strip("()").removeprefix("alliance.") for name in layer.split(":")]
        for layer in contract["layers"]
    ]


def mermaid() -> str:
    """The layers as a Mermaid flowchart: each layer may import only the layers below it."""
    found = layers()
    assert len(found) == len(LAYER_TITLES), "give the new layer a title in LAYER_TITLES"
    lines = ["flowchart TB"]
    for i, (title, modules) in enumerate(zip(LAYER_TITLES, found, strict=True), start=1):
        lines.append(f'    L{i}["<b>{i}. {title}</b><br/>{" · ".join(modules)}"]')
    lines.append("    " + " --> ".join(f"L{i}" for i in range(1, len(found) + 1)))
    return "\n".join(lines)


def test_the_diagram_in_the_docs_is_drawn_from_the_contracts() -> None:
    expected = f"```mermaid\n{mermaid()}\n```"
    assert expected in DOC.read_text(), f"docs/architecture.md should show:\n{expected}"


def test_the_docs_name_every_pure_module_of_the_contract() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (pure,) = [c for c in config["contracts"] if c["type"] == "forbidden"]
    assert pure["forbidden_modules"] == ["django"]
    text = DOC.read_text()
    for module in pure["source_modules"]:
        assert f"`{module}`" in text


def _imports_inside_functions() -> set[str]:
    found = set()
    for path in sorted((ROOT / "alliance").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if function.name in ALLOWED_FUNCTIONS:
                continue
            for node in ast.walk(function):
                where = f"{path.relative_to(ROOT)}:{function.name}"
                if isinstance(node, ast.ImportFrom) and (
                    node.level or (node.module or "").startswith("alliance")
                ):
                    found.add(f"{where}:{'.' * node.level}{node.module or ''}")
                elif isinstance(node, ast.Import):
                    found.update(
                        f"{where}:{a.name}" for a in node.names if a.name.startswith("alliance")
                    )
    return found


def test_no_new_import_hides_inside_a_function() -> None:
    new = _imports_inside_functions() - STILL_INSIDE_FUNCTIONS
    assert not new, "import at the top of the module (docs/architecture.md): " + ", ".join(
        sorted(new)
    )
