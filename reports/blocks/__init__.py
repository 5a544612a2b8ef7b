"""Block Kit renderers: plain results in, Block Kit dicts with fallback text out. A renderer never queries."""
