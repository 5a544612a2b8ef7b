"""Slack's side of the ack measurement, in a process of its own, as Slack is in production.

The fake Slack Web API (which also takes the bot's `response_url` posts and uploads) and the clients sending signed
`/partner` commands run here, so none of their work shares the bot's interpreter: the acks measured are the
bot's alone. The probe drives it over stdin/stdout, one JSON object per line:

    → {"users": {user id: email}, "members": [channel ids]}     ← {"api_url": URL}
    → {"bot_url": URL, "user": ID, "texts": [TEXT, ...]}        ← {"seconds": [...], "failures": [...]}
    → {"stop": true}

Each burst sends its commands at once (a barrier releases every client thread together).
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from benchmarks.slack_harness.bot import command_request, post
from benchmarks.slack_harness.fake_slack import FakeSlack


def burst(slack: FakeSlack, bot_url: str, user: str, texts: list[str]) -> dict[str, Any]:
    gate = threading.Barrier(len(texts))
    lock = threading.Lock()
    seconds: list[float] = []
    failures: list[str] = []

    def ask(text: str) -> None:
        body, headers = command_request(text, response_url=slack.response_url(), user=user)
        gate.wait()
        answer = post(bot_url + "/slack/events", body, headers)
        with lock:
            if answer.status == 200:
                seconds.append(answer.seconds)
            else:
                failures.append(f"{answer.status}: {answer.body[:200]}")

    threads = [threading.Thread(target=ask, args=(text,)) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"seconds": seconds, "failures": failures}


def main() -> int:
    setup = json.loads(sys.stdin.readline())
    slack = FakeSlack()
    slack.users = dict(setup["users"])
    slack.members = set(setup["members"])
    slack.start()
    try:
        print(json.dumps({"api_url": slack.api_url}), flush=True)
        for line in sys.stdin:
            request = json.loads(line)
            if request.get("stop"):
                break
            print(json.dumps(burst(slack, request["bot_url"], request["user"], request["texts"])), flush=True)
    finally:
        slack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
