"""The interaction table answers every button and modal the renderers draw, once, and nothing else."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Literal

import reports.blocks
from commands.interactions.table import EVENTS, INTERACTIONS, Interaction, find_interaction
from commands.table import SLASH_COMMAND
from reports.blocks.lookup import lookup_reply
from reports.lookup import Lookup
from reports.model import PartnerProfile


def drawn_ids() -> dict[str, Literal["action", "view"]]:
    """Every button action id (`*_ACTION`) and modal callback id (`*_VIEW`) declared by a Block Kit renderer."""
    found: dict[str, Literal["action", "view"]] = {}
    for module in pkgutil.iter_modules(reports.blocks.__path__):
        loaded = importlib.import_module(f"reports.blocks.{module.name}")
        for name, value in vars(loaded).items():
            if isinstance(value, str) and name.endswith(("_ACTION", "_VIEW")):
                found[value] = "action" if name.endswith("_ACTION") else "view"
    return found


def answers(row: Interaction[Any], kind: Literal["action", "view"], id_: str) -> bool:
    """The row answers this id, or this id with a suffix (a pick button's id ends with its partner's id)."""
    return row.matches(kind, id_) or row.matches(kind, f"{id_}_42")


def test_every_button_and_modal_has_exactly_one_row() -> None:
    drawn = drawn_ids()
    assert len(drawn) >= 10
    for id_, kind in drawn.items():
        rows = [row for row in INTERACTIONS if answers(row, kind, id_)]
        assert len(rows) == 1, f"{kind} {id_!r} is answered by {len(rows)} rows"


def test_every_row_answers_something_drawn() -> None:
    drawn = drawn_ids()
    for row in INTERACTIONS:
        if row.kind in ("action", "view"):
            assert any(answers(row, kind, id_) for id_, kind in drawn.items()), row.id


def test_no_two_rows_answer_the_same_thing() -> None:
    keys = [(i.kind, str(i.id)) for i in INTERACTIONS]
    assert len(keys) == len(set(keys))


def test_a_rendered_pick_button_finds_its_row() -> None:
    profile = PartnerProfile(42, "P-42", "Acme")
    reply = lookup_reply("acm", Lookup(candidates=(profile, PartnerProfile(43, "P-43", "Acme Analytics"))))
    (button, _) = reply.blocks[1]["elements"]
    row = find_interaction("action", button["action_id"])
    assert row is not None and row.parse.__name__ == "parse_pick_partner"
    assert find_interaction("action", "partner_pick_x") is None
    assert find_interaction("action", "partner_pick") is None


def test_the_command_and_events_are_rows() -> None:
    assert find_interaction("command", SLASH_COMMAND) is not None
    assert set(EVENTS) == {"app_home_opened", "app_uninstalled", "tokens_revoked"}
    assert find_interaction("event", "message") is None
