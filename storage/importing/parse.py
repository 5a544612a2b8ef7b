"""Vectorised parsers: a column of stripped text in; its values (missing where empty or bad) and, for the bad
rows only, what is wrong with them out.

Values come back as pandas columns: text as `str` (NaN when missing), whole numbers as `Int64`, decimals as
`float64`, calendar dates as naive `datetime64` at midnight, instants as `datetime64[.., UTC]` in whole seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import numpy as np
import pandas as pd

EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
ISO_DATE = r"\d{4}-\d{2}-\d{2}"
OFFSET = r".*\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)"
CURRENCY_SYMBOLS = r"[$€£¥\s]"


@dataclass(frozen=True)
class Parsed:
    values: pd.Series
    errors: pd.Series  # reason by row, for the bad rows only


def distinct(values: pd.Series) -> tuple[np.ndarray, pd.Series] | None:
    """(codes, distinct values) when the column repeats values enough for per-value work to pay; else None."""
    sample = values.iloc[:5000]
    if len(values) < 1000 or sample.nunique() * 2 > len(sample):
        return None
    codes, uniques = pd.factorize(values)
    if len(uniques) * 2 > len(values):
        return None
    return codes, pd.Series(uniques, dtype=str)


def no_errors() -> pd.Series:
    return pd.Series([], index=pd.Index([], dtype=np.int64), dtype=object)


def quoted(raw: pd.Series) -> pd.Series:
    shown = raw.str.slice(0, 60)
    return ("'" + shown + "'").astype(object)


def _result(values: pd.Series, raw: pd.Series, *problems: tuple[pd.Series, str]) -> Parsed:
    """Values, and for each (bad rows, reason) the quoted raw value followed by the reason; the first one wins."""
    found = [quoted(raw[bad]) + reason for bad, reason in problems if bad.any()]
    if not found:
        return Parsed(values, no_errors())
    errors = pd.concat(found)
    return Parsed(values, errors[~errors.index.duplicated()].sort_index())


def put(target: pd.Series, values: pd.Series) -> None:
    """Write `values` into `target` at their index labels."""
    target.loc[values.index] = values.to_numpy()


def parse_text(raw: pd.Series) -> Parsed:
    return Parsed(raw.where(raw != ""), no_errors())


def parse_lower(raw: pd.Series) -> Parsed:
    return parse_text(raw.str.lower())


def parse_contact(raw: pd.Series) -> Parsed:
    """Free text, with email addresses lower-cased so one person is one key; empty is ""."""
    lowered = raw.str.lower()
    return Parsed(raw.where(~raw.str.contains("@", regex=False), lowered), no_errors())


def parse_email(raw: pd.Series) -> Parsed:
    value = raw.str.lower()
    bad = (value != "") & ~value.str.fullmatch(EMAIL)
    return _result(value.where((value != "") & ~bad), raw, (bad, " is not an email address"))


def parse_email_or_name(raw: pd.Series) -> Parsed:
    """An email address (lower-cased and checked, as `parse_email`), or else a person's name, kept as written for
    `kinds.resolve_people` to look up."""
    email = raw.str.contains("@", regex=False)
    checked = parse_email(raw[email])
    value = raw.where(raw != "").astype(object)
    put(value, checked.values)
    return Parsed(value, checked.errors)


def parse_choice(raw: pd.Series, choices: Sequence[str], *, default: str | None = None) -> Parsed:
    value = raw.str.lower()
    bad = (value != "") & ~value.isin(choices)
    if default is not None:
        value = value.where(value != "", default)
    return _result(value.where((value != "") & ~bad), raw, (bad, f" is not one of: {', '.join(choices)}"))


def parse_slug(raw: pd.Series) -> Parsed:
    """Lower snake case ("Training Completed" → training_completed)."""
    value = raw.str.lower().str.replace(r"[^0-9a-z]+", "_", regex=True).str.strip("_")
    return Parsed(value.where(value != ""), no_errors())


def parse_pattern(raw: pd.Series, pattern: str, what: str, *, upper: bool = False) -> Parsed:
    value = raw.str.upper() if upper else raw
    bad = (value != "") & ~value.str.fullmatch(pattern)
    return _result(value.where((value != "") & ~bad), raw, (bad, f" is not {what}"))


@cache
def _zones() -> dict[str, str]:
    return {zone.casefold(): zone for zone in available_timezones()}


def parse_zone(raw: pd.Series) -> Parsed:
    value = raw.str.casefold().map(_zones())
    bad = (raw != "") & value.isna()
    reason = " is not a time zone (use an IANA name like Europe/Berlin)"
    return _result(value.astype(str).where(value.notna()), raw, (bad, reason))


def parse_aliases(raw: pd.Series) -> Parsed:
    """Names separated by ";" or "|" (a JSON list arrives joined by "|"), stored joined by "|"."""
    parts = raw.str.split(r"\s*[;|]\s*", regex=True)
    joined = parts.map(lambda items: "|".join(item for item in items if item)).astype(str)
    return Parsed(joined.where(joined != ""), no_errors())


def _numbers(raw: pd.Series) -> pd.Series:
    """'1234.5', '1,234.50', '$1,234.50' and 'USD 1,234.50' as numbers; NaN where empty or not a number."""
    numbers = pd.to_numeric(raw.where(raw != ""), errors="coerce")
    other = (raw != "") & numbers.isna()
    if other.any():
        cleaned = (
            raw[other]
            .str.replace(r"^[A-Za-z]{3}\s*", "", regex=True)
            .str.replace(CURRENCY_SYMBOLS, "", regex=True)
            .str.replace(",", "", regex=False)
        )
        put(numbers, pd.to_numeric(cleaned.where(cleaned.str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)")), errors="coerce"))
    return numbers.astype("float64").where(np.isfinite(numbers))


def parse_money(raw: pd.Series, maximum: int) -> Parsed:
    """Amounts as integer hundredths (half up); negative amounts and amounts over `maximum` units are refused."""
    numbers = _numbers(raw)
    bad = (raw != "") & numbers.isna()
    negative = numbers < 0
    over = numbers > maximum
    minor = np.floor(numbers * 100 + 0.5)
    return _result(
        minor.where(~negative & ~over).astype("Int64"),
        raw,
        (bad, " is not an amount (write it like 1234.50)"),
        (negative, " is negative: amounts must be 0 or more"),
        (over, f" is too large: amounts are at most {maximum:,}"),
    )


def parse_number(raw: pd.Series, maximum: int) -> Parsed:
    numbers = _numbers(raw)
    bad = (raw != "") & numbers.isna()
    negative = numbers < 0
    over = numbers > maximum
    return _result(
        numbers.where(~negative & ~over).astype(float),
        raw,
        (bad, " is not a number"),
        (negative, " is negative: use 0 or more"),
        (over, f" is too large: at most {maximum:,}"),
    )


def parse_score(raw: pd.Series, low: int, high: int) -> Parsed:
    numbers = pd.to_numeric(raw.where(raw != ""), errors="coerce")
    whole = numbers.notna() & (numbers == np.floor(numbers)) & (numbers >= low) & (numbers <= high)
    bad = (raw != "") & ~whole
    return _result(numbers.where(whole).astype("Int64"), raw, (bad, f" is not a whole number from {low} to {high}"))


def _localise(naive: pd.Series, tz: ZoneInfo) -> pd.Series:
    """Local wall times → UTC: an ambiguous time is its first occurrence, a skipped one moves past the gap."""
    ambiguous = np.ones(len(naive), dtype=bool)
    local = naive.dt.tz_localize(tz, ambiguous=ambiguous, nonexistent="shift_forward")
    utc: pd.Series = local.dt.tz_convert("UTC")
    return utc


def _naive(text: pd.Series, formats: Sequence[str]) -> pd.Series:
    """Wall times from ISO 8601 (a date at least) or the given formats; NaT where none fits."""
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    iso = text.str.match(ISO_DATE)
    if iso.any():
        put(parsed, pd.to_datetime(text[iso], format="ISO8601", errors="coerce").astype("datetime64[us]"))
    for pattern in formats:
        missing = parsed.isna()
        if not missing.any():
            break
        put(parsed, pd.to_datetime(text[missing], format=pattern, errors="coerce").astype("datetime64[us]"))
    return parsed


def _expected(what: str, formats: Sequence[str]) -> str:
    example = "YYYY-MM-DD" if what == "date" else "ISO 8601 like 2026-07-01T09:30:00+02:00 or 2026-07-01 09:30"
    if formats:
        return f" is not a {what} (expected {example}, or {' or '.join(formats)})"
    return f" is not a {what} (expected {example}; other formats go under [dates] formats in a mapping file)"


def parse_instants(raw: pd.Series, formats: Sequence[str], tz: ZoneInfo) -> Parsed:
    """Times with an offset as given; without one, in `tz`; a bare date is local midnight. Whole seconds, UTC."""
    result = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us, UTC]")
    present = raw != ""
    aware = present & raw.str.fullmatch(OFFSET)
    if aware.any():
        put(result, pd.to_datetime(raw[aware], format="ISO8601", errors="coerce", utc=True).astype(result.dtype))
    naive = present & ~aware
    if naive.any():
        put(result, _localise(_naive(raw[naive], formats), tz).astype(result.dtype))
    result = result.dt.floor("s")
    return _result(result, raw, (present & result.isna(), _expected("date and time", formats)))


def parse_dates(raw: pd.Series, formats: Sequence[str], tz: ZoneInfo) -> Parsed:
    """Calendar dates. A time with an offset counts on its date in `tz`; a time without one on the date it names."""
    result = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    present = raw != ""
    plain = present & raw.str.fullmatch(ISO_DATE)
    if plain.any():
        put(result, pd.to_datetime(raw[plain], format="%Y-%m-%d", errors="coerce").astype(result.dtype))
    rest = present & ~plain
    if rest.any():
        text = raw[rest]
        aware = text.str.fullmatch(OFFSET)
        if aware.any():
            moments = pd.to_datetime(text[aware], format="ISO8601", errors="coerce", utc=True)
            put(result, moments.dt.tz_convert(tz).dt.tz_localize(None).astype(result.dtype))
        if (~aware).any():
            put(result, _naive(text[~aware], formats))
    result = result.dt.normalize()
    return _result(result, raw, (present & result.isna(), _expected("date", formats)))


def day_starts(days: pd.Series, tz: ZoneInfo) -> pd.Series:
    """The UTC instant each program-local calendar day begins (`reports.timeframe.day_start`, vectorised)."""
    if days.empty:
        return pd.Series(pd.NaT, index=days.index, dtype="datetime64[us, UTC]")
    return _localise(days.astype("datetime64[us]"), tz).astype("datetime64[us, UTC]")
