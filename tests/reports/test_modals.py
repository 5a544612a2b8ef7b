"""The modals, built with slack_sdk's View: names render as text, metadata carries ids only, inputs keep their ids."""

from __future__ import annotations

import json

from benchmarks.slack_harness.fake_slack import block_problems
from reports.blocks.alerts import SNOOZE_VIEW, snooze_modal
from reports.blocks.share import SHARE_ACTION, SHARE_VIEW, share_actions, share_modal


def test_the_snooze_modal_names_its_subject_as_text() -> None:
    view = snooze_modal("Smith & Sons <EU> via Acme", rule="stale_intro", subject="42", channel="D0OLGA", ts="1.2")
    assert view["type"] == "modal" and view["callback_id"] == SNOOZE_VIEW
    intro = view["blocks"][0]["text"]
    assert intro["type"] == "mrkdwn"
    assert intro["text"].startswith("*Smith &amp; Sons &lt;EU&gt; via Acme* will be left out of your alerts")
    assert json.loads(view["private_metadata"]) == {
        "rule": "stale_intro",
        "subject": "42",
        "channel": "D0OLGA",
        "ts": "1.2",
    }
    length, why = view["blocks"][1:]
    assert (length["block_id"], length["element"]["action_id"], length["element"]["type"]) == (
        "length",
        "days",
        "radio_buttons",
    )
    assert [o["value"] for o in length["element"]["options"]] == ["3", "7"]
    assert length["element"]["initial_option"]["value"] == "3"
    assert (why["block_id"], why["element"]["action_id"], why["optional"]) == ("why", "reason", True)
    assert why["element"]["max_length"] == 300
    assert block_problems(view["blocks"], limit=100) == []


def test_a_long_name_is_clipped_and_the_metadata_stays_ids() -> None:
    view = snooze_modal("&" * 5000, rule="dormant", subject="7", channel=None, ts=None)
    assert view["blocks"][0]["text"]["text"].startswith("*" + "&amp;" * 200 + "*")
    assert json.loads(view["private_metadata"]) == {"rule": "dormant", "subject": "7", "channel": None, "ts": None}


def test_the_share_modal_asks_for_a_channel() -> None:
    view = share_modal(17)
    assert (view["callback_id"], view["private_metadata"]) == (SHARE_VIEW, "17")
    assert (view["title"]["text"], view["submit"]["text"], view["close"]["text"]) == (
        "Share a scorecard",
        "Share",
        "Cancel",
    )
    where = view["blocks"][1]
    assert (where["type"], where["block_id"]) == ("input", "where")
    assert where["element"] == {
        "type": "conversations_select",
        "action_id": "channel",
        "default_to_current_conversation": True,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }


def test_the_share_button_carries_the_command() -> None:
    (button,) = share_actions("top quarter 5")["elements"]
    assert (button["action_id"], button["value"], button["text"]["text"]) == (
        SHARE_ACTION,
        "top quarter 5",
        "Share in channel",
    )
