"""View models: what each surface shows, computed from gathered facts by pure functions."""
