"""Small-sample-aware rates, medians and percentiles, over plain values or value-count pairs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from reports.formatting import duration, number

MIN_SAMPLE = 5


def not_enough(n: int) -> str:
    """The small-sample phrase of KPIS.md, the same everywhere: 'not enough data (n=3)'."""
    return f"not enough data (n={number(n)})"


def labelled(label: str | None, figure: str | None, n: int) -> str:
    """'median 4.4 h', or 'median: not enough data (n=3)' when the figure is withheld."""
    if figure is None:
        return f"{label}: {not_enough(n)}" if label else not_enough(n)
    return f"{label} {figure}" if label else figure


@dataclass(frozen=True)
class Rate:
    """numerator ÷ denominator; no value below the small-sample threshold."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        if self.denominator < MIN_SAMPLE:
            return None
        return self.numerator / self.denominator

    def text(self, *, label: str | None = None) -> str:
        """'80% (4,238 of 5,297)', or the small-sample phrase; with a label, 'sourced 80% (…)'."""
        figure = None
        if self.value is not None:
            figure = f"{self.value:.0%} ({number(self.numerator)} of {number(self.denominator)})"
        return labelled(label, figure, self.denominator)

    def as_dict(self) -> dict[str, float | int | None]:
        return {"value": self.value, "numerator": self.numerator, "denominator": self.denominator}


@dataclass(frozen=True)
class Distribution:
    """A multiset of numbers held as sorted (value, count) pairs, so SQL can hand over GROUP BY results."""

    pairs: tuple[tuple[float, int], ...] = ()

    @classmethod
    def of(cls, values: Iterable[float]) -> Distribution:
        return cls.from_pairs(Counter(values).items())

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[float, int]]) -> Distribution:
        merged: Counter[float] = Counter()
        for value, count in pairs:
            if count > 0:
                merged[value] += count
        return cls(tuple(sorted(merged.items())))

    def __add__(self, other: Distribution) -> Distribution:
        return Distribution.from_pairs([*self.pairs, *other.pairs])

    @property
    def n(self) -> int:
        return sum(count for _, count in self.pairs)

    def _at_rank(self, rank: int) -> float:
        seen = 0
        for value, count in self.pairs:
            seen += count
            if rank < seen:
                return value
        raise IndexError(rank)

    def quantile(self, q: float) -> float | None:
        """Linear interpolation between closest ranks (numpy's default); None when empty."""
        n = self.n
        if n == 0:
            return None
        position = q * (n - 1)
        low = int(position)
        fraction = position - low
        low_value = self._at_rank(low)
        if fraction == 0:
            return low_value
        return low_value + (self._at_rank(low + 1) - low_value) * fraction

    @property
    def maximum(self) -> float | None:
        return self.pairs[-1][0] if self.pairs else None


@dataclass(frozen=True)
class Median:
    """A median (or other quantile) that refuses to speak below the small-sample threshold."""

    n: int
    raw: float | None

    @classmethod
    def of(cls, distribution: Distribution, q: float = 0.5) -> Median:
        return cls(distribution.n, distribution.quantile(q))

    @property
    def value(self) -> float | None:
        return self.raw if self.n >= MIN_SAMPLE else None

    def text(self, unit: str = "d", *, label: str | None = None) -> str:
        """'38.0 d' (durations are written by `reports.formatting.duration`), or the small-sample phrase; with a
        label, 'median 38.0 d' or 'median: not enough data (n=3)'."""
        return labelled(label, None if self.value is None else duration(self.value, unit), self.n)

    def as_dict(self) -> dict[str, float | int | None]:
        return {"value": None if self.value is None else round(self.value, 4), "n": self.n}


def mean(total: float, n: int) -> float | None:
    return total / n if n >= MIN_SAMPLE else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator
