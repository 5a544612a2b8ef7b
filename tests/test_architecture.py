"""Imports point one way: bot → commands → (storage, reports); storage → reports types; reports → nothing.

The demo generator (demodata) writes through storage and is called by the bot's CLI and the benchmark, never by
storage; the benchmark (benchmarks) may use everything but the tests."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("bot", "commands", "reports", "storage", "demodata", "benchmarks", "tests")
ALLOWED = {
    "benchmarks": {"benchmarks", "bot", "commands", "reports", "storage", "demodata"},
    "bot": {"bot", "commands", "reports", "storage", "demodata", "benchmarks"},  # the CLI runs `partnerbot bench`
    "demodata": {"demodata", "storage", "reports"},
    "commands": {"commands", "reports", "storage"},
    "storage": {"storage", "reports"},
    "reports": {"reports"},
}


def internal_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(LAYERS)


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_point_one_way(layer: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(bad)
        for path in (ROOT / layer).rglob("*.py")
        if (bad := internal_imports(path) - ALLOWED[layer])
    }
    assert offenders == {}


def test_nothing_below_bot_reads_the_environment_or_the_clock() -> None:
    offenders = []
    for layer in ("commands", "reports", "storage", "demodata"):
        for path in (ROOT / layer).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            if "os.environ" in source or "datetime.now(" in source or "date.today(" in source:
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_reports_hold_no_session_or_slack_client() -> None:
    for path in (ROOT / "reports").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "sqlalchemy" not in source, path
        assert "WebClient" not in source, path


def test_no_pyplot_in_a_server() -> None:
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
            modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
            assert not [m for m in modules if "pyplot" in m], path
