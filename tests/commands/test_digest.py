"""The digest preview renders with no session open, as the scheduled digest does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from sqlalchemy.orm import Session

from commands.context import CommandContext
from commands.table import dispatch
from reports.chart_specs import TrendChart
from reports.charts import trend_png
from storage.db import Database
from tests.commands.test_dispatch import AS_OF, small_program


def test_the_preview_draws_its_chart_with_no_session_open(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    small_program(db)
    open_now: list[str] = []

    def tracked(
        name: str, opener: Callable[[], AbstractContextManager[Session]]
    ) -> Callable[[], AbstractContextManager[Session]]:
        @contextmanager
        def opened() -> Iterator[Session]:
            with opener() as session:
                open_now.append(name)
                try:
                    yield session
                finally:
                    open_now.remove(name)

        return opened

    monkeypatch.setattr(db, "session", tracked("session", db.session))
    monkeypatch.setattr(db, "transaction", tracked("transaction", db.transaction))
    open_while_drawn = []

    def drawn(spec: TrendChart) -> bytes:
        open_while_drawn.append(list(open_now))
        return trend_png(spec)

    monkeypatch.setattr("reports.blocks.digest.trend_png", drawn)
    reply = dispatch("digest preview C0GENERAL", CommandContext(database=db, as_of=AS_OF))
    assert open_while_drawn == [[]]
    assert [f.filename for f in reply.files] == ["weekly-trend.png"]
    assert reply.response_type == "ephemeral"
