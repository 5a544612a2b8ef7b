"""Hypothesis profiles for the reference oracle, chosen by HYPOTHESIS_PROFILE (default `ci`).

- `ci`: derandomized, no deadline, 20 programs, each compared at 22–30 as-ofs (about 490 as-ofs, every partner's
  scorecard and the program view at each): about 75 s on SQLite on a 2-core machine.
- `dev`: 150 random programs, for a longer hunt.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=20,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "dev",
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
