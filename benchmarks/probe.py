"""The bot's side of the benchmark, in a process of its own so that its peak memory is the bot's alone.

`python -m benchmarks.probe DATABASE_URL PROFILE OUT.json` times what users wait for: scorecards end to end (load,
compute, blocks, PNG), the program view, the weekly digest, the owner-alert run over all owners, and the ack of
concurrent `/partner` commands through the HTTP harness (the bot served on 127.0.0.1, the fake Slack Web API).
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import String, cast, literal, select, update

from benchmarks.profiles import ANCHOR, PROFILES, SEED, Profile
from bot.http import tune_interpreter
from bot.jobs.alerts import send_alerts
from commands.context import CommandContext
from commands.digest import digest_message
from commands.table import dispatch, dispatch_partner
from reports.message import Message
from reports.model import Scope
from storage.db import Database, open_database
from storage.models import Partner, Person
from storage.program import load_config

PNG = b"\x89PNG\r\n\x1a\n"
REPEATS = 3  # program view, digest and alert run: the median of this many runs


def percentile(values: list[float], share: float) -> float:
    return float(np.percentile(np.asarray(values), share * 100, method="linear"))


def _checked(message: Message, *, chart: bool) -> Message:
    json.dumps(message.payload())  # what goes over the wire, serialised as Slack receives it
    if chart and not (message.files and message.files[0].content.startswith(PNG)):
        raise RuntimeError(f"expected a PNG chart with {message.text!r}")
    return message


def _median_of(run: Callable[[], object]) -> tuple[float, list[float]]:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def time_scorecards(database: Database, profile: Profile) -> list[float]:
    with database.session() as session:
        ids = session.execute(select(Partner.id).order_by(Partner.id)).scalars().all()
    chosen = np.random.default_rng(SEED).choice(ids, min(profile.scorecards, len(ids)), replace=False)
    ctx = CommandContext(database=database, as_of=ANCHOR, charts=True)
    times = []
    for partner_id in chosen:
        started = time.perf_counter()
        _checked(dispatch_partner(int(partner_id), ctx), chart=True)
        times.append(time.perf_counter() - started)
    return times


def time_program(database: Database) -> tuple[float, list[float]]:
    ctx = CommandContext(database=database, as_of=ANCHOR, charts=True)
    return _median_of(lambda: _checked(dispatch("program", ctx), chart=False))


def time_digest(database: Database) -> tuple[float, list[float]]:
    def run() -> None:
        with database.session() as session:
            config = load_config(session)
            _checked(digest_message(session, scope=Scope(), as_of=ANCHOR, config=config), chart=True)

    return _median_of(run)


def time_alerts(database: Database) -> tuple[float, list[float], int]:
    queued = []

    def run() -> None:
        with database.session() as session:
            # the generated people have no Slack accounts: give each one, so that every inbox is rendered and queued
            session.execute(
                update(Person)
                .where(Person.slack_user_id.is_(None))
                .values(slack_user_id=literal("UB") + cast(Person.id, String))
            )
            config = load_config(session)
            queued.append(send_alerts(session, now=ANCHOR, config=config).queued)
            session.rollback()  # measured, not sent: the store is left as it was

    median, times = _median_of(run)
    return median, times, queued[0]


def time_acks(database: Database, profile: Profile) -> list[list[float]]:
    """Ack latency of `concurrent` signed /partner commands in flight at once, over `rounds` bursts.

    The bot is served on 127.0.0.1 in this process; Slack (the fake Web API and the clients sending the commands)
    runs in a process of its own (`benchmarks.slack_side`), as it is remote in production.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the harness lives with the tests
    from benchmarks.slack_harness.bot import RunningBot

    with database.session() as session:
        admin = session.execute(select(Person.email).where(Person.role == "admin").limit(1)).scalar_one()
        names = session.execute(select(Partner.name).order_by(Partner.id).limit(500)).scalars().all()
    side = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.slack_side"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert side.stdin is not None and side.stdout is not None
    to_side, from_side = side.stdin, side.stdout

    def ask(request: dict[str, Any]) -> dict[str, Any]:
        to_side.write(json.dumps(request) + "\n")
        to_side.flush()
        answer = from_side.readline()
        if not answer:
            raise RuntimeError("the Slack side of the ack measurement stopped")
        result: dict[str, Any] = json.loads(answer)
        return result

    bursts: list[list[float]] = []
    try:
        api_url = ask({"users": {"U0BENCHADM": admin}, "members": ["C0GENERAL"]})["api_url"]
        bot = RunningBot(database, api_url, clock=ANCHOR).start()
        rng = np.random.default_rng(SEED)
        try:
            for _ in range(profile.rounds):
                texts = [str(names[i]) for i in rng.integers(0, len(names), profile.concurrent)]
                texts[::5] = ["program"] * len(texts[::5])
                burst = ask({"bot_url": bot.url, "user": "U0BENCHADM", "texts": texts})
                if burst["failures"]:
                    raise RuntimeError(f"acks failed: {burst['failures'][:3]}")
                bursts.append(burst["seconds"])
                bot.settle(timeout=600)
        finally:
            bot.stop()
    finally:
        side.communicate(json.dumps({"stop": True}) + "\n", timeout=30)
    if sum(map(len, bursts)) != profile.concurrent * profile.rounds:
        raise RuntimeError("some commands were not acknowledged")
    return bursts


def cold(database: Database, run: Callable[[], object]) -> float:
    """One run right after a data change: nothing derived is cached (see storage.memo)."""
    if database.cache is not None:
        database.cache.clear()
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    if database.cache is not None:
        database.cache.clear()
    return seconds


def time_cold(database: Database, profile: Profile) -> dict[str, float]:
    ctx = CommandContext(database=database, as_of=ANCHOR, charts=True)
    with database.session() as session:
        first = session.execute(select(Partner.id).order_by(Partner.id).limit(1)).scalar_one()

    def digest() -> None:
        with database.session() as session:
            digest_message(session, scope=Scope(), as_of=ANCHOR, config=load_config(session))

    return {
        "scorecard_cold_s": cold(database, lambda: dispatch_partner(first, ctx)),
        "program_cold_s": cold(database, lambda: dispatch("program", ctx)),
        "digest_cold_s": cold(database, digest),
    }


def probe(url: str, profile: Profile) -> dict[str, Any]:
    tune_interpreter()  # as `partnerbot serve` runs: every figure below is the bot's, in production settings
    database = open_database(url)
    try:
        colds = time_cold(database, profile)
        cards = time_scorecards(database, profile)
        program, program_runs = time_program(database)
        digest, digest_runs = time_digest(database)
        alerts, alert_runs, queued = time_alerts(database)
        bursts = time_acks(database, profile)
    finally:
        database.dispose()
    acks = [seconds for burst in bursts for seconds in burst]
    return colds | {
        "scorecard_p50_s": percentile(cards, 0.5),
        "scorecard_p95_s": percentile(cards, 0.95),
        "scorecards": len(cards),
        "program_s": program,
        "program_runs_s": program_runs,
        "digest_s": digest,
        "digest_runs_s": digest_runs,
        "alerts_s": alerts,
        "alerts_runs_s": alert_runs,
        "alert_dms": queued,
        "ack_p50_s": percentile(acks, 0.5),
        "ack_p99_s": percentile(acks, 0.99),
        "ack_slowest_by_burst_s": [max(burst) for burst in bursts],
        "acks": len(acks),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str]) -> int:
    url, name, out = argv
    Path(out).write_text(json.dumps(probe(url, PROFILES[name]), indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
