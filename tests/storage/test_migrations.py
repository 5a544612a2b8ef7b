"""The migrations build the models' schema exactly, from an empty database, on every store."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import Database, schema_is_current
from storage.models import Base


def test_head_schema_matches_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        drift = compare_metadata(context, Base.metadata)
    assert drift == []


def test_every_model_table_exists(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert schema_is_current(db.engine)


def test_open_database_upgrades_an_empty_sqlite_file(tmp_path: Path) -> None:
    from storage.db import open_database

    database = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert "deals" in inspect(database.engine).get_table_names()
        assert schema_is_current(database.engine)
    finally:
        database.dispose()


def test_upgrading_re_derives_stays_that_ran_past_the_close(db: Database) -> None:
    """A store at 0007 whose stays were derived by the older rule (to the next entry, after the close) is set
    right by 0008: the stay ends at the close. Stays of other deals are left as they were."""
    from datetime import UTC, date, datetime

    from alembic import command
    from sqlalchemy import select, update

    from storage.db import alembic_config, upgrade
    from storage.models import StageChange
    from tests.factories import Fixture, at

    f = Fixture()
    f.partner("A")
    f.deal(
        "L",
        partner="A",
        attribution="sourced",
        created=date(2026, 1, 1),
        outcome="lost",
        closed=date(2026, 3, 1),
        stages=(("Prospecting", at(date(2026, 1, 1))), ("Negotiation", at(date(2026, 3, 20)))),
    )
    f.deal(
        "O",
        partner="A",
        attribution="sourced",
        created=date(2026, 1, 1),
        stages=(("Prospecting", at(date(2026, 1, 1))),),
    )
    f.write(db)
    old_end = datetime(2026, 3, 20, tzinfo=UTC)
    with db.transaction() as session:  # L's first stay as the older rule left it: to the next entry, 78.0 d
        first = session.execute(select(StageChange.id).order_by(StageChange.id)).scalars().first()
        session.execute(update(StageChange).where(StageChange.id == first).values(left_at=old_end, stay_tenths=780))
    command.downgrade(alembic_config(db.engine), "0008")  # the later migrations' columns go first
    command.stamp(alembic_config(db.engine), "0007")
    upgrade(db.engine)
    with db.session() as session:
        rows = session.execute(
            select(StageChange.stage, StageChange.left_at, StageChange.stay_tenths).order_by(StageChange.id)
        ).all()
    assert rows[0] == ("Prospecting", datetime(2026, 3, 1, tzinfo=UTC), 590)  # L: to the close, 59.0 d
    assert rows[2][1] is None  # O's open stay: not a closed deal, left alone
    assert schema_is_current(db.engine)
