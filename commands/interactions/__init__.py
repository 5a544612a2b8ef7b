"""Buttons, modal submissions, events and the slash command: one module per family, each interaction a typed
request read from Slack's payload (`parse_*`) and a handler that returns what to do in Slack (`handle_*`).
`table.py` lists them all; `commands/slack.py` registers the table; `bot/runtime.py` performs the effects."""
