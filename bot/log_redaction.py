"""Logs never carry a response URL: each is a bearer capability (anyone holding it can post to the channel for
30 minutes), and Slack's SDKs print them at DEBUG (Bolt the request body, the webhook client the URL it posts to).

`install()` puts a filter on the root handlers that rewrites each record's final message: Slack webhook URLs, a
`response_url` value in a form or JSON body (plain or URL-encoded), and the URL the webhook client sends to.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
_HOOKS = re.compile(r"(https?(?::|%3A)(?://|%2F%2F)hooks\.slack\.com)(?:/|%2F)[^\s&\"'<>,]+", re.IGNORECASE)
_FIELD = re.compile(r"(response_url[\"']?\s*(?:=|:|%3D)\s*[\"']?)[^\s&\"',}]+", re.IGNORECASE)
_WEBHOOK_URL = re.compile(r"(url: )\S+?(?=,|\s|$)")
WEBHOOK_LOGGERS = ("slack_sdk.webhook", "slack_bolt.context.respond")


def redact(text: str, *, webhook: bool = False) -> str:
    text = _HOOKS.sub(rf"\1/{REDACTED}", text)
    text = _FIELD.sub(rf"\1{REDACTED}", text)
    return _WEBHOOK_URL.sub(rf"\1{REDACTED}", text) if webhook else text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, webhook=record.name.startswith(WEBHOOK_LOGGERS))
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of `logger` (the root logger by default) that lacks it."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
