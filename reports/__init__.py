"""The KPI engine and renderers: plain data in, plain data out. No Slack client, no session, no clock."""
