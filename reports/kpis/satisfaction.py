"""Partner satisfaction: mean survey score and NPS over the trailing 365 days."""

from __future__ import annotations

from dataclasses import dataclass

from reports.stats import MIN_SAMPLE, Distribution, not_enough


@dataclass(frozen=True)
class Psat:
    responses: int
    mean: float | None
    nps: float | None  # % promoters (9–10) minus % detractors (0–6), in points

    def text(self) -> str:
        """The one way PSAT reads, on every card: "7.9 / 10 · NPS +20 (n=12)", or why there is no figure yet."""
        if self.mean is None or self.nps is None:
            return not_enough(self.responses)
        return f"{self.mean:.1f} / 10 · NPS {self.nps:+.0f} (n={self.responses:,})"


def compute_psat(scores: Distribution) -> Psat:
    n = scores.n
    if n < MIN_SAMPLE:
        return Psat(n, None, None)
    total = sum(value * count for value, count in scores.pairs)
    promoters = sum(count for value, count in scores.pairs if value >= 9)
    detractors = sum(count for value, count in scores.pairs if value <= 6)
    return Psat(n, total / n, 100 * (promoters - detractors) / n)
