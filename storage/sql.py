"""Small SQL constructs that read the same on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from reports.model import Scope
from storage.models import Partner


class day_diff(FunctionElement[int]):
    """Whole days from the second date to the first."""

    type = Integer()
    inherit_cache = True


@compiles(day_diff, "sqlite")
def _day_diff_sqlite(element: day_diff, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"CAST(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}) AS INTEGER)"


@compiles(day_diff, "postgresql")
def _day_diff_postgresql(element: day_diff, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


def partner_scope(column: Any, scope: Scope) -> ColumnElement[bool]:
    """A condition on a partner-id column that keeps the partners in scope."""
    conditions: list[ColumnElement[bool]] = []
    if scope.partner_ids is not None:
        conditions.append(column.in_(sorted(scope.partner_ids)))
    attributes = [
        getattr(Partner, name) == value
        for name, value in (
            ("segment", scope.segment),
            ("region", scope.region),
            ("owner_email", scope.owner_email),
            ("tier", scope.tier),
            ("type", scope.partner_type),
        )
        if value
    ]
    if attributes:
        conditions.append(column.in_(select(Partner.id).where(*attributes)))
    return and_(true(), *conditions)


class unindexed(FunctionElement[Any]):
    """The column as a value SQLite's planner will not use an index for (`+col`), where another condition of
    the query is far more selective than the planner can tell; PostgreSQL's planner needs no such hint."""

    inherit_cache = True

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type  # the column's own type, so comparisons bind their values the same way


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(next(iter(element.clauses)), **kw)}"


@compiles(unindexed)
def _unindexed_default(element: unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(next(iter(element.clauses)), **kw))
