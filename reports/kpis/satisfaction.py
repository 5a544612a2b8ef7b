"""Partner satisfaction: mean survey score and NPS over the trailing 365 days."""

from __future__ import annotations

from dataclasses import dataclass

from reports.stats import MIN_SAMPLE, Distribution


@dataclass(frozen=True)
class Psat:
    responses: int
    mean: float | None
    nps: float | None  # % promoters (9–10) minus % detractors (0–6), in points


def compute_psat(scores: Distribution) -> Psat:
    n = scores.n
    if n < MIN_SAMPLE:
        return Psat(n, None, None)
    total = sum(value * count for value, count in scores.pairs)
    promoters = sum(count for value, count in scores.pairs if value >= 9)
    detractors = sum(count for value, count in scores.pairs if value <= 6)
    return Psat(n, total / n, 100 * (promoters - detractors) / n)
