"""The fault suite runs against the same real bot on 127.0.0.1 and fake Slack as tests/bot."""

from tests.bot.conftest import harness  # noqa: F401 - re-exported fixture
