"""Process lifecycle and wiring: settings, the command line, and (later) the Slack app and scheduler."""
