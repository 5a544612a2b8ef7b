"""`partnerbot demo`: (re)build a demo program, show two views, and write every chart as PNG (the weekly digest's
trend too)."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, text

from bot.jobs.first_wins import announce_first_wins
from bot.settings import Settings
from commands.context import CommandContext
from commands.digest import digest_message
from commands.table import dispatch
from demodata import build_demo
from reports.message import Message
from reports.model import Scope
from reports.terminal import render_message
from storage.db import Database, open_database, safe_url
from storage.models import Base, ImportRun, Partner
from storage.program import load_config

DEMO_KIND = "demo"
DEMO_PARTNER = "Acme"


def _holds_real_data(database: Database) -> bool:
    with database.session() as session:
        partners = session.execute(select(func.count()).select_from(Partner)).scalar_one()
        demo_runs = session.execute(
            select(func.count()).select_from(ImportRun).where(ImportRun.kind == DEMO_KIND)
        ).scalar_one()
    return partners > 0 and demo_runs == 0


def reset_database(url: str, database: Database) -> Database:
    """An empty database at the newest migration, in place of a previous demo."""
    if database.dialect == "sqlite":
        path = database.engine.url.database
        database.dispose()
        if path and path != ":memory:":
            for suffix in ("", "-wal", "-shm"):
                Path(path + suffix).unlink(missing_ok=True)
        return open_database(url, cache=database.cache is not None)
    Base.metadata.drop_all(database.engine)
    with database.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    database.dispose()
    return open_database(url, cache=database.cache is not None)


def run_demo(settings: Settings, *, seed: int, out: Path, anchor: datetime) -> int:
    started = time.perf_counter()
    url = settings.database_url
    database = open_database(url, cache=settings.cache)
    if _holds_real_data(database):
        database.dispose()
        sys.stderr.write(
            f"partnerbot: {safe_url(url)} holds real data, so the demo will not overwrite it; point DATABASE_URL at "
            "another database, e.g. DATABASE_URL=sqlite:///demo.db partnerbot demo\n"
        )
        return 2
    database = reset_database(url, database)
    summary = build_demo(database, anchor=anchor, seed=seed)
    with database.transaction() as session:
        announce_first_wins(session, now=anchor, config=load_config(session))
        session.add(
            ImportRun(
                kind=DEMO_KIND,
                source=f"seed {seed}",
                finished_at=anchor,
                inserted=sum(summary.counts.values()),
                updated=0,
                unchanged=0,
                rejected=0,
            )
        )
    built = time.perf_counter() - started

    context = CommandContext(database=database, as_of=anchor)
    replies: list[Message] = [dispatch(command, context) for command in ("program", DEMO_PARTNER, "runway", "handoffs")]
    with database.session() as session:  # the weekly digest's trend chart, as a subscribed channel would get it
        replies.append(digest_message(session, scope=Scope(), as_of=anchor, config=load_config(session)))
    sys.stdout.write(render_message(replies[0], colour=sys.stdout.isatty()) + "\n\n")
    sys.stdout.write(render_message(replies[1], colour=sys.stdout.isatty()) + "\n\n")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for reply in replies:
        for file in reply.files:
            path = out / file.filename
            path.write_bytes(file.content)
            written.append(path)
    elapsed = time.perf_counter() - started
    counts = ", ".join(f"{n:,} {table}" for table, n in summary.counts.items())
    sys.stdout.write(
        f"Demo database {safe_url(url)}: {counts} (built in {built:.1f} s, {elapsed:.1f} s in all).\n"
        f"Files: {', '.join(str(p) for p in written)}\n"
        'Try: partnerbot ask "/partner acm" · partnerbot ask "/partner dormant" · '
        'partnerbot ask "/partner define stalled_deals" · partnerbot kpis --partner acme\n'
    )
    database.dispose()
    return 0
