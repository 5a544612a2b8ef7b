"""Alembic environment: runs against the engine `storage.db` hands over (no alembic.ini needed)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from storage.models import Base

config = context.config


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()


given: Connection | None = config.attributes.get("connection")  # `storage.db.upgrade`'s, holding the lock
if given is not None:
    run(given)
else:
    engine: Engine = config.attributes["engine"]
    with engine.connect() as connection:
        run(connection)
