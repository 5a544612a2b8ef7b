"""Expected problems a user can fix: one type, turned into a helpful reply in one place."""

from __future__ import annotations


class UserFacingError(Exception):
    """A problem the person asking can act on; its message is shown to them as is."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
