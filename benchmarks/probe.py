"""The bot's side of the benchmark, in a process of its own so that its peak memory is the bot's alone.

`python -m benchmarks.probe DATABASE_URL PROFILE OUT.json` times what users wait for: scorecards end to end (load,
compute, blocks, PNG), the program view, the weekly digest, the owner-alert run over all owners, the ack of
concurrent `/partner` commands through the HTTP harness (the bot served on 127.0.0.1, the fake Slack Web API), and
the same views right after one webhook event (posted through the ingestion API's own entry point, each view after
an event of its own, and the events' rows removed afterwards). Last, once the timed runs are over, it profiles the
slowest of the views right after an event (cProfile) and reports where its time goes.

`python -m benchmarks.probe DATABASE_URL PROFILE OUT.json after-import` times one program view in a fresh process:
what the first user waits for right after an import.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import String, cast, delete, func, literal, select, update

from benchmarks.importing import forget_import
from benchmarks.profiles import ANCHOR, PROFILES, SEED, Profile
from bot.http import tune_interpreter
from bot.ingest import ingest
from bot.jobs.alerts import send_alerts
from commands.context import CommandContext
from commands.digest import digest_message
from commands.table import dispatch, dispatch_partner
from reports.freshness import api_source
from reports.message import Message
from reports.model import Scope
from storage.db import Database, open_database
from storage.models import (
    Activity,
    AlertNotice,
    FirstWin,
    IngestedEvent,
    OutboxMessage,
    Partner,
    Person,
    SourceDelivery,
)
from storage.program import load_config

ROOT = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"
REPEATS = 3  # program view, digest and alert run: the median of this many runs (also after an event)
EVENT_SCORECARDS = 5  # scorecards right after an event for that partner: the p95 of this many
EVENT_SOURCE = "bench"  # the ingestion source the events come from (their rows are removed afterwards)
EVENT_ACTIVITY = "bench_event"  # the kind (a slug, as stored) of the events' activities (removed afterwards)
PROFILE_TOP = 15  # functions listed from the profile of the slowest view


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


class Events:
    """Webhook events through `bot.ingest.ingest`, the function `POST /api/v1/events` applies a batch with: each a
    new won partner deal (`BENCH-EVENT-…`, closed the day before as-of), so that it moves revenue, wins and that
    partner's figures, and (as any committed change does) every cached figure's data version."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.sent = 0
        self.ingest_times: list[float] = []
        with database.session() as session:
            self.outbox_before = session.execute(select(func.coalesce(func.max(OutboxMessage.id), 0))).scalar_one()
            self.notices_before = set(session.execute(select(AlertNotice.dedup_key)).scalars())
            # the first event records every partner's first win not yet recorded (silently, as old news)
            self.wins_before = set(session.execute(select(FirstWin.partner_id)).scalars())

    def post_activity(self, partner_external_id: str) -> None:
        """An activity logged for the partner (a meeting the day before as-of): it writes activities only."""
        self.sent += 1
        activity = {
            "partner_id": partner_external_id,
            "kind": EVENT_ACTIVITY,
            "occurred_at": (ANCHOR - timedelta(days=1)).isoformat(),
            "contact": f"bench-{self.sent}",
        }
        self._send({"id": f"bench-event-{self.sent}", "type": "activity", "data": activity})

    def post(self, partner_external_id: str) -> None:
        self.sent += 1
        deal = {
            "deal_id": f"BENCH-EVENT-{self.sent:04d}",
            "partner_id": partner_external_id,
            "attribution": "sourced",
            "outcome": "won",
            "stage": "Closed Won",
            "created_on": (ANCHOR.date() - timedelta(days=40)).isoformat(),
            "closed_on": (ANCHOR.date() - timedelta(days=1)).isoformat(),
            "amount": "25000",
            "currency": "USD",
        }
        self._send({"id": f"bench-event-{self.sent}", "type": "deal.upsert", "data": deal})

    def _send(self, event: dict[str, Any]) -> None:
        raw = json.dumps({"events": [event]})
        started = time.perf_counter()
        answer = ingest(self.database, source=EVENT_SOURCE, raw=raw.encode(), now=ANCHOR)
        self.ingest_times.append(time.perf_counter() - started)
        if answer.status != 200 or answer.body["changed"] < 1:
            raise RuntimeError(f"the benchmark's event was not applied: {answer.status} {answer.body}")

    def forget(self) -> None:
        """Remove what the events left: their deals and stage history, claims, delivery, first wins and messages."""
        with self.database.transaction() as session:
            session.execute(delete(FirstWin).where(FirstWin.partner_id.not_in(self.wins_before)))
            session.execute(delete(IngestedEvent).where(IngestedEvent.source == EVENT_SOURCE))
            session.execute(delete(SourceDelivery).where(SourceDelivery.source == api_source(EVENT_SOURCE)))
            session.execute(delete(OutboxMessage).where(OutboxMessage.id > self.outbox_before))
            session.execute(delete(Activity).where(Activity.kind == EVENT_ACTIVITY))
            session.execute(delete(AlertNotice).where(AlertNotice.dedup_key.not_in(self.notices_before)))
        forget_import(self.database)


def _view_runs(database: Database) -> dict[str, Callable[[int], object]]:
    """The views timed right after an event, each given the partner the event was for (only the scorecard uses it)."""
    ctx = CommandContext(database=database, as_of=ANCHOR, charts=True)

    def digest(_: int) -> None:
        with database.session() as session:
            _checked(digest_message(session, scope=Scope(), as_of=ANCHOR, config=load_config(session)), chart=True)

    return {
        "program": lambda _: _checked(dispatch("program", ctx), chart=False),
        "digest": digest,
        "scorecard": lambda partner_id: _checked(dispatch_partner(partner_id, ctx), chart=True),
    }


def _timed(database: Database, run: Callable[[int], object], partner_id: int, kept: list[float] | None) -> float:
    """Seconds `run` took; with `kept`, also the share of the figures it asked for that the cache still held."""
    cache = database.cache
    hits, misses = (cache.hits, cache.misses) if cache else (0, 0)
    started = time.perf_counter()
    run(partner_id)
    seconds = time.perf_counter() - started
    if cache and kept is not None:
        asked = cache.hits - hits + cache.misses - misses
        kept.append((cache.hits - hits) / asked if asked else 0.0)
    return seconds


def time_after_event(database: Database) -> dict[str, Any]:
    """Each view right after one event of its own (so nothing it reads is cached), `REPEATS` times for the program
    view and the digest and `EVENT_SCORECARDS` times for the scorecard of the event's partner; then the slowest
    view is profiled once, right after one more event."""
    with database.session() as session:
        partners = session.execute(select(Partner.id, Partner.external_id).order_by(Partner.id)).all()
    rng = np.random.default_rng(SEED + 1)
    runs = _view_runs(database)
    counts = {"program": REPEATS, "digest": REPEATS, "scorecard": EVENT_SCORECARDS}
    times: dict[str, list[float]] = {name: [] for name in runs}
    times["program after an activity"] = []
    kept: dict[str, list[float]] = {"program": [], "program after an activity": []}
    events = Events(database)
    try:
        for name, run in runs.items():
            for _ in range(counts[name]):
                partner_id, external_id = partners[int(rng.integers(0, len(partners)))]
                events.post(external_id)
                times[name].append(_timed(database, run, partner_id, kept.get(name)))
        for _ in range(REPEATS):  # an activity writes one table: the figures not read from it stay cached
            partner_id, external_id = partners[int(rng.integers(0, len(partners)))]
            events.post_activity(external_id)
            times["program after an activity"].append(
                _timed(database, runs["program"], partner_id, kept["program after an activity"])
            )
        summary = {
            "program": statistics.median(times["program"]),
            "digest": statistics.median(times["digest"]),
            "scorecard": percentile(times["scorecard"], 0.95),
        }
        slowest = max(summary, key=lambda name: summary[name])
        partner_id, external_id = partners[int(rng.integers(0, len(partners)))]
        events.post(external_id)
        top = profile_of(lambda: runs[slowest](partner_id))
    finally:
        events.forget()
    return {
        "program_after_event_s": summary["program"],
        "program_after_event_runs_s": times["program"],
        "digest_after_event_s": summary["digest"],
        "digest_after_event_runs_s": times["digest"],
        "scorecard_after_event_p95_s": summary["scorecard"],
        "scorecard_after_event_runs_s": times["scorecard"],
        "program_after_activity_s": statistics.median(times["program after an activity"]),
        "program_after_activity_runs_s": times["program after an activity"],
        "figures_kept_after_event": statistics.median(kept["program"]),
        "figures_kept_after_activity": statistics.median(kept["program after an activity"]),
        "event_ingest_s": statistics.median(events.ingest_times),
        "profiled_view": f"{slowest}, right after one event",
        "profile_top": top,
    }


def _where(code: tuple[str, int, str]) -> str:
    filename, line, function = code
    if filename == "~":  # a built-in
        return function
    path = Path(filename)
    try:
        shown = str(path.resolve().relative_to(ROOT))
    except ValueError:
        parts = path.parts
        shown = "/".join(parts[parts.index("site-packages") + 1 :]) if "site-packages" in parts else path.name
    return f"{shown}:{line}:{function}"


def _shown(filename: str) -> bool:
    """Partnerbot's own functions, the built-ins they call (SQLite's execute and fetch among them: the database's
    time) and psycopg's cursor (the same on PostgreSQL); not the layers between (SQLAlchemy, the benchmark)."""
    if filename == "~":
        return True
    path = Path(filename).resolve()
    if "site-packages" in path.parts:
        return path.parts[-2:] == ("psycopg", "cursor.py")
    return path.is_relative_to(ROOT) and not path.is_relative_to(ROOT / "benchmarks")


def profile_of(run: Callable[[], object]) -> list[dict[str, Any]]:
    """The `PROFILE_TOP` functions (see `_shown`) with the most cumulative time in one run of `run` (in this thread),
    the whole run first. What a library does is counted in the cumulative time of the function that called it."""
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.runcall(run)
    total = time.perf_counter() - started
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = sorted(stats.items(), key=lambda item: item[1][3], reverse=True)
    top = [
        {"function": _where(code), "cumulative_s": cumulative, "own_s": own, "calls": calls}
        for code, (_, calls, own, cumulative, _) in rows
        if _shown(code[0])
    ][:PROFILE_TOP]
    every_call = sum(calls for _, calls, *_ in stats.values())
    return [{"function": "(the whole run, profiled)", "cumulative_s": total, "own_s": 0.0, "calls": every_call}, *top]


def time_after_import(url: str) -> dict[str, float]:
    """One program view in a fresh process right after an import: nothing is cached, in this process or any."""
    tune_interpreter()
    database = open_database(url)
    try:
        ctx = CommandContext(database=database, as_of=ANCHOR, charts=True)
        started = time.perf_counter()
        _checked(dispatch("program", ctx), chart=False)
        return {"program_after_import_s": time.perf_counter() - started}
    finally:
        database.dispose()


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
        after_event = time_after_event(database)  # last: its clean-up is a data change, after which nothing is warm
    finally:
        database.dispose()
    acks = [seconds for burst in bursts for seconds in burst]
    return (
        colds
        | after_event
        | {
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
    )


def main(argv: list[str]) -> int:
    url, name, out, *mode = argv
    result = time_after_import(url) if mode == ["after-import"] else probe(url, PROFILES[name])
    Path(out).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
