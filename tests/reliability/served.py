"""`partnerbot serve` started for real, as its own process on 127.0.0.1, against the fake Slack of the test; and
a client that streams a body and stops as soon as the server answers (as a careful HTTP client does)."""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.slack_harness.bot import BOT_TOKEN, INGEST_TOKEN, SIGNING_SECRET
from benchmarks.slack_harness.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def peak_rss_mib(self) -> float:
        """The process's peak resident memory (VmHWM), in MiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmHWM in /proc status")

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)


@contextmanager
def serve(tmp_path: Path, template: Path, slack: FakeSlack, *, drain: float = 10.0) -> Iterator[Served]:
    """`python -m bot.cli serve` on a copy of the empty store, its Web API at the fake Slack; killed at the end."""
    database = tmp_path / "served.db"
    shutil.copy(template, database)
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{database}",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "PARTNERBOT_INGEST_TOKENS": f"crm={INGEST_TOKEN}",
        "PARTNERBOT_DRAIN_SECONDS": str(drain),
        "PARTNERBOT_LOG_LEVEL": "INFO",
        "PORT": str(port),
        "MPLBACKEND": "Agg",
    }
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    served = Served(process, port, log_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"serve exited {process.returncode}:\n{served.log()}")
            try:
                with urllib.request.urlopen(served.url + "/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"serve did not start:\n{served.log()}") from None
                time.sleep(0.1)
        yield served
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Streamed:
    status: int | None  # None: the connection was closed without an answer
    body: bytes
    sent: int  # body bytes sent before the server answered or closed


def stream_post(
    port: int, path: str, headers: dict[str, str], chunks: Iterable[bytes], *, chunked: bool = False
) -> Streamed:
    """POST a body chunk by chunk, reading the answer as soon as one arrives (so an early 413 is seen, not lost to
    a reset); `chunked` sends it with Transfer-Encoding: chunked."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        if chunked:
            head.append("Transfer-Encoding: chunked")
        try:
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
            for chunk in chunks:
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered (or closed): stop sending
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
                sent += len(chunk)
            else:
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    if not data.startswith(b"HTTP/"):
        return Streamed(None, data, sent)
    head_bytes, _, body = data.partition(b"\r\n\r\n")
    return Streamed(int(head_bytes.split(b" ", 2)[1]), body, sent)
