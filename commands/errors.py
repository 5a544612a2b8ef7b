"""Expected problems a user can fix: one type, turned into a helpful reply in one place."""

from __future__ import annotations


class UserFacingError(Exception):
    """A problem the person asking can act on; its message is shown to them as is."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        """`message` is plain text (it may quote what the person typed); `hint` is mrkdwn written by us (commands in
        backticks, mentions), with any name in it escaped where it is written."""
        super().__init__(message)
        self.message = message
        self.hint = hint
