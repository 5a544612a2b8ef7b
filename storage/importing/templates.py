"""Values built from several columns: a mapping's `name = "{Company} — {Deal Name}"`.

A template gives a value only in rows where every column it names has one; elsewhere it is empty, so that a list
goes on to its next entry: `name = ["{Company} — {Deal Name}", "Deal Name"]` is the deal name alone when the company
is empty. `{{` and `}}` are literal braces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from storage.importing.report import ImportFileError

TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@dataclass(frozen=True)
class Template:
    text: str
    columns: tuple[str, ...]  # each placeholder's column, in order
    literals: tuple[str, ...]  # the text before each placeholder, then the text after the last

    def fill(self, texts: Sequence[pd.Series]) -> pd.Series:
        """Each row's value from each placeholder's column (stripped text, "" when empty); "" where one is empty."""
        out = pd.Series(self.literals[0], index=texts[0].index, dtype=str)
        complete = pd.Series(True, index=out.index)
        for text, literal in zip(texts, self.literals[1:], strict=True):
            out = out + text + literal
            complete &= text != ""
        return out.str.strip().where(complete, "")


def parse_template(text: str, where: str, name: str) -> Template | None:
    """A template, or None for a plain column name (text without braces)."""
    if "{" not in text and "}" not in text:
        return None
    columns: list[str] = []
    literals: list[str] = []
    current: list[str] = []
    position = 0
    for token in TOKEN.finditer(text):
        current.append(text[position : token.start()])
        position = token.end()
        if token.group(0) in ("{{", "}}"):
            current.append(token.group(0)[0])
        elif token.group(1) is not None and token.group(1).strip():
            literals.append("".join(current))
            current = []
            columns.append(token.group(1).strip())
        else:
            raise ImportFileError(
                f'mapping {name}: {where} "{text}" has a stray or empty brace: write {{Column name}} for a column\'s '
                "value and {{ or }} for a brace"
            )
    current.append(text[position:])
    literals.append("".join(current))
    if not columns:
        raise ImportFileError(
            f'mapping {name}: {where} "{text}" names no column: write it like "{{Company}} — {{Deal Name}}"'
        )
    return Template(text, tuple(columns), tuple(literals))
