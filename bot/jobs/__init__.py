"""The scheduled jobs: the tick that runs whatever is due (`tick`), owner alerts, first-win announcements, and the
outbox delivery (`outbox`)."""

from bot.jobs.tick import Jobs, TickReport

__all__ = ["Jobs", "TickReport"]
