"""The engine against the reference oracle, on random small programs.

Each program (`programs.build_program(seed)`) is written to a fresh SQLite store through the ORM (`tests.factories`,
which refreshes the rollups as every import does); at every as-of of `programs.as_ofs` (22–30 of them: period
starts and ends and one second either side, local midnights, the DST change day, as-ofs whose own day holds rows,
before the first and after the last data, a partner's onboarding and sunset day, a goal's start) the JSON export
(`export_kpis`: `compute_program` and `compute_scorecard` of every partner) is compared with `reference.py` on every
figure the reference covers: money exactly in minor units, durations and shares within 1e-6.

The `ci` profile compares 20 programs × 22–30 as-ofs (488 as-ofs, each with the program view and every partner's
scorecard; about 75 s on SQLite on a 2-core machine); `HYPOTHESIS_PROFILE=dev` runs 150 programs.

Disagreements are collected over the whole run and reported at the end, grouped by KPI, each with program seed,
as-of, partner, engine value and reference value. When first run, it found six engine defects (a not-yet-onboarded
partner with activation steps and in the first-win cycle, open deals without stage history missing from pipeline
movement, deals closed before as-of counted as stalled, a first-win goal's actual staying 0, sunset a moment late);
each now has its own test in tests/reports.

Reproduce one program: `build_program(seed)`, then `compare_program(program, template)` (see below).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from commands.export import export_kpis
from storage.db import open_database
from tests.oracle.programs import Program, as_ofs, programs
from tests.oracle.reference import Keyed, load_raw, reference_kpis

TOLERANCE = 1.000001e-6
MISSING = "<missing>"


@dataclass(frozen=True)
class Disagreement:
    seed: int
    as_of_label: str
    as_of: datetime
    partner: str | None
    kpi: str
    engine: Any
    reference: Any

    def line(self) -> str:
        who = f"partner {self.partner}" if self.partner else "program"
        return (
            f"seed={self.seed} as-of={self.as_of.isoformat()} ({self.as_of_label}) {who} {self.kpi}: "
            f"engine={self.engine!r} reference={self.reference!r}"
        )


GENERIC = (
    (r"goal_progress\.(\w+)@.*\.(\w+)$", r"goal_progress.\1.\2"),
    (r"stale_intros\.[^.]+\.", "stale_intros.<intro>."),
    (r"dormant_partners\.partners\.[^.]+\.", "dormant_partners.partners.<partner>."),
    (r"\[\d+\]", "[]"),
)


def kpi_name(path: str) -> str:
    """A leaf's path with row ids and list positions taken out, so disagreements group by KPI."""
    for pattern, replacement in GENERIC:
        path = re.sub(pattern, replacement, path)
    return path


def _same(engine: Any, reference: Any) -> bool:
    if isinstance(reference, bool) or isinstance(engine, bool):
        return engine is reference
    if isinstance(reference, int | float) and isinstance(engine, int | float):
        if isinstance(reference, int) and isinstance(engine, int):
            return engine == reference
        return abs(engine - reference) <= TOLERANCE
    return bool(engine == reference)


def diff(engine: Any, reference: Any, path: str, out: list[tuple[str, Any, Any]]) -> None:
    """Every leaf the reference gives, against the engine's (a Keyed dict must have exactly the same keys)."""
    if isinstance(reference, dict):
        if not isinstance(engine, dict):
            out.append((path, engine, reference))
            return
        keys = set(reference) | (set(engine) if isinstance(reference, Keyed) else set())
        for key in sorted(keys, key=str):
            diff(engine.get(key, MISSING), reference.get(key, MISSING), f"{path}.{key}", out)
    elif isinstance(reference, list):
        if not isinstance(engine, list) or len(engine) != len(reference):
            out.append((path, engine, reference))
            return
        for index, (e, r) in enumerate(zip(engine, reference, strict=True)):
            diff(e, r, f"{path}[{index}]", out)
    elif not _same(engine, reference):
        out.append((path, engine, reference))


def _keyed(rows: list[dict[str, Any]], key: str, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {str(row[key]): {k: v for k, v in row.items() if k != key and k not in drop} for row in rows}


def engine_shapes(program: dict[str, Any], partner: dict[str, Any]) -> None:
    """The export's lists as dicts keyed by their ids (so a missing or extra row reads as such), in place."""
    if program:
        program["stale_intros"] = _keyed(program["stale_intros"], "intro_id")
        program["dormant_partners"]["partners"] = _keyed(program["dormant_partners"]["partners"], "partner", ("step",))
        program["wip_per_manager"]["owners"] = _keyed(program["wip_per_manager"]["owners"], "owner_email")
    partner["stale_intros"] = _keyed(partner["stale_intros"], "intro_id")
    if partner["dormant_partners"] is not None:
        partner["dormant_partners"].pop("step", None)
    partner["goal_progress"] = {
        f"{g['metric']}@{g['period']}": {k: v for k, v in g.items() if k not in ("metric", "period")}
        for g in partner["goal_progress"]
    }


def compare_program(program: Program, template: Path, workdir: Path) -> tuple[int, list[Disagreement]]:
    """Write the program to a fresh store and compare at each of its as-ofs: (as-ofs compared, disagreements)."""
    path = workdir / f"oracle-{program.seed}.db"
    shutil.copy(template, path)
    database = open_database(f"sqlite:///{path}", migrate=False)
    found: list[Disagreement] = []
    moments = as_ofs(program)
    try:
        program.fixture().write(database)
        raw = load_raw(path)
        for label, as_of in moments:
            engine = export_kpis(database, as_of=as_of)
            expected = reference_kpis(raw, as_of)
            partners = {row["partner_id"]: row["kpis"] for row in engine["partners"]}
            engine_shapes(engine["program"], {"stale_intros": [], "dormant_partners": None, "goal_progress": []})
            leaves: list[tuple[str | None, tuple[str, Any, Any]]] = []
            out: list[tuple[str, Any, Any]] = []
            diff(engine["program"], expected["program"], "program", out)
            leaves += [(None, leaf) for leaf in out]
            if set(partners) != set(expected["partners"]):
                leaves.append((None, ("partners", sorted(partners), sorted(expected["partners"]))))
            for key, reference in expected["partners"].items():
                if key not in partners:
                    continue
                mine = partners[key]
                engine_shapes({}, mine)
                out = []
                diff(mine, reference, "partner", out)
                leaves += [(key, leaf) for leaf in out]
            found += [Disagreement(program.seed, label, as_of, who, kpi_name(kpi), e, r) for who, (kpi, e, r) in leaves]
    finally:
        database.dispose()
        path.unlink(missing_ok=True)
    return len(moments), found


def summarise(found: list[Disagreement], compared: int, programs_run: int) -> str:
    by_kpi: dict[str, list[Disagreement]] = defaultdict(list)
    for d in found:
        by_kpi[d.kpi].append(d)
    lines = [f"{programs_run} programs, {compared} as-ofs compared; {len(found)} disagreements in {len(by_kpi)} KPIs."]
    for kpi, items in sorted(by_kpi.items()):
        seeds = sorted({d.seed for d in items})
        lines.append(f"  {kpi}: {len(items)} disagreements in {len(seeds)} programs")
        lines.extend(f"    {d.line()}" for d in items[:3])
    return "\n".join(lines)


def test_engine_agrees_with_the_reference_oracle(sqlite_template: Path) -> None:
    found: list[Disagreement] = []
    counts = {"programs": 0, "as_ofs": 0}
    with tempfile.TemporaryDirectory() as tmp:

        @given(programs())
        def check(program: Program) -> None:
            compared, disagreements = compare_program(program, sqlite_template, Path(tmp))
            counts["programs"] += 1
            counts["as_ofs"] += compared
            found.extend(disagreements)

        check()
    assert counts["programs"] > 0
    assert counts["as_ofs"] >= 20 * counts["programs"]  # at least 20 as-ofs per program
    if found:
        pytest.fail(summarise(found, counts["as_ofs"], counts["programs"]), pytrace=False)
