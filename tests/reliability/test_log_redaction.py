"""Response URLs never reach the logs, even at DEBUG: Bolt's body dumps and the webhook client's request lines."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk.webhook import WebhookClient

from bot.log_redaction import REDACTED, install, redact

SECRET = "T0001/B0002/s3cr3tT0k3n"


def test_slack_webhook_urls_and_response_url_fields_are_redacted() -> None:
    form = f"token=x&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F{SECRET.replace('/', '%2F')}&text=acme"
    body = {"response_url": f"https://hooks.slack.com/actions/{SECRET}", "user": "U1"}
    for text in (form, str(body), f'{{"response_url": "https://hooks.slack.com/actions/{SECRET}"}}'):
        cleaned = redact(text)
        assert "s3cr3t" not in cleaned and REDACTED in cleaned, cleaned
    assert "text=acme" in redact(form) and "'user': 'U1'" in redact(str(body))  # the rest is kept


class _Ok(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/commands/{SECRET}"
    server.shutdown()
    server.server_close()


def test_the_webhook_clients_debug_line_carries_no_response_url(hook_server: str) -> None:
    root = logging.getLogger()
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        install(root)
        response = WebhookClient(hook_server).send(text="hello")
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    assert response.status_code == 200
    logged = captured.getvalue()
    assert "Sending a request - url: " + REDACTED in logged  # the line is there, without its URL
    assert "s3cr3t" not in logged
