"""The README stays true: its two opening commands, CI's test command, and the generated KPI table."""

from __future__ import annotations

import re
from pathlib import Path

from reports.config import DESCRIPTIONS
from reports.registry import markdown_table

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def opening_commands() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_exactly_two_commands() -> None:
    assert README.index("```sh") < README.index("\n## ")
    demo, tests = opening_commands()
    assert demo.endswith("partnerbot demo")
    assert tests.endswith("pytest")


def test_ci_runs_the_readme_test_command() -> None:
    _, tests = opening_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()


def test_kpi_table_matches_the_registry() -> None:
    assert markdown_table() in README


def test_every_setting_is_documented() -> None:
    for key in DESCRIPTIONS:
        assert f"| `{key}` |" in README, key
