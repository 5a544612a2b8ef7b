"""An optional scope: `segment enterprise`, `region EMEA`, `owner ann@example.com` (or a name, or a mention),
parsed from the words typed and matched to what the partners hold."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import pandas as pd
from sqlalchemy.orm import Session

from commands.errors import UserFacingError
from reports.message import esc
from reports.model import Scope
from storage.loaders.partners import load_filter_values, load_person_by_slack_id
from storage.people import load_emails_by_name, name_keys

SCOPE_WORDS = ("segment", "region", "owner", "tier", "type")


def parse_scope(text: str) -> Scope:
    """`segment X`, `region Y`, `owner Z`, `tier T` and `type K` in any order; a value runs to the next of those
    words, so it may hold spaces (`owner Olga Ops`, `segment Mid Market`). Values are taken as typed:
    `resolve_scope` matches them."""
    words = text.split()
    values: dict[str, list[str]] = {}
    current: list[str] | None = None
    for word in words:
        if word.lower() in SCOPE_WORDS:
            if current == [] or word.lower() in values:  # a filter with no value, or the same filter twice
                raise _not_understood(text)
            current = values[word.lower()] = []
        elif current is None:
            raise _not_understood(text)
        else:
            current.append(word)
    if any(not value for value in values.values()):
        raise _not_understood(text)
    joined = {word: " ".join(value) for word, value in values.items()}
    return Scope(
        segment=joined.get("segment"),
        region=joined.get("region"),
        owner_email=joined.get("owner"),
        tier=joined.get("tier"),
        partner_type=joined.get("type"),
    )


def _not_understood(text: str) -> UserFacingError:
    return UserFacingError(
        f"I don't understand “{text}”.",
        hint=(
            "Narrow a view with `segment &lt;name&gt;`, `region &lt;name&gt;`, `tier &lt;name&gt;`, "
            "`type &lt;name&gt;` or `owner &lt;email, name or @mention&gt;`."
        ),
    )


MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
SHOWN_VALUES = 12  # valid values named on a miss


def resolve_scope(session: Session, scope: Scope) -> Scope:
    """The scope with each filter matched to what the partners hold, whatever its case (`region apac` is
    `region APAC`), and the owner found by email, name or Slack mention. A filter that matches nothing is an
    error that names the values there are, not an empty view."""
    if not scope.filtered:
        return scope
    known = load_filter_values(session)
    return replace(
        scope,
        segment=_match("segment", scope.segment, known["segment"]),
        region=_match("region", scope.region, known["region"]),
        owner_email=_owner(session, scope.owner_email, known["owner"]),
        tier=_match("tier", scope.tier, known["tier"]),
        partner_type=_match("type", scope.partner_type, known["type"]),
    )


def _match(word: str, value: str | None, known: Sequence[str]) -> str | None:
    if value is None:
        return None
    for candidate in known:
        if candidate.casefold() == value.casefold():
            return candidate
    raise UserFacingError(f"No partner has {word} “{value}”.", hint=_valid(word, known))


def _valid(word: str, known: Sequence[str]) -> str:
    if not known:
        return f"No partner has a {word} yet: it comes with the partners import."
    shown = ", ".join(f"`{esc(value)}`" for value in known[:SHOWN_VALUES])
    more = f" and {len(known) - SHOWN_VALUES} more" if len(known) > SHOWN_VALUES else ""
    return f"The {word}s are {shown}{more}."


def _owner(session: Session, value: str | None, owners: Sequence[str]) -> str | None:
    if value is None:
        return None
    if mention := MENTION.match(value):
        person = load_person_by_slack_id(session, user_id=mention.group(1))
        email = person.email if person is not None else None
    elif "@" in value:
        email = value.lower()
    else:
        key = name_keys(pd.Series([value], dtype=str))[0]  # the importer's rule: case and spacing ignored
        named = list(load_emails_by_name(session).get(key, ()))
        email = named[0] if len(named) == 1 else None
        if len(named) > 1:
            raise UserFacingError(
                f"{len(named)} people are called “{value}”.",
                hint=f"Use an email: {', '.join(f'`{esc(e)}`' for e in sorted(named))}.",
            )
    if email is None or email not in owners:
        raise UserFacingError(f"No partner is owned by “{value}”.", hint=_valid("owner", owners))
    return email
