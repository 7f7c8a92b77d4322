"""`Filters`: the one filter object every metric function accepts."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from analytics import normalize
from analytics.config import METRIC_LEAST, METRIC_MOST

__all__ = ["Filters", "Parameters"]

UNKNOWN_SEVERITY = "unknown"  # a severity filter's name for the incidents that state none


def _names(values: Iterable[str] | str | None) -> tuple[str, ...]:
    if values is None:
        return ()
    items = [values] if isinstance(values, str) else list(values)
    return tuple(dict.fromkeys(normalize.name(v) for v in items if str(v).strip()))


def _severities(values: Iterable[str] | str | None) -> tuple[str, ...]:
    if values is None:
        return ()
    items = [values] if isinstance(values, str) else list(values)
    return tuple(dict.fromkeys(_severity(v) for v in items if str(v).strip()))


def _severity(value: str) -> str:
    """A severity as stored (SEV0-SEV5), or 'unknown': the incidents that state none."""
    if str(value).strip().lower() == UNKNOWN_SEVERITY:
        return UNKNOWN_SEVERITY
    return normalize.severity(value)[0]


def _date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


class Parameters(NamedTuple):
    """The metric parameters a query used: `Database.parameters(filters)`. SPEC's defaults
    are config.METRIC_DEFAULTS, an archive's own its postmortems.toml's [metrics]."""

    window_days: int
    pattern_min: int
    ttp_hours: int
    action_slo_days: int


@dataclass(frozen=True)
class Filters:
    """Which incidents to count, and as of when.

    start / end: incidents that started on or after / on or before these local dates.
    severities, services, categories, teams: keep incidents matching any value given
    (services and teams: any of the incident's; categories: its primary category);
    an empty tuple means no filter. Values are normalised like the archive's
    (`"Checkout_API"` -> `checkout-api`, `"sev2"` -> `SEV2`); severity `unknown` means
    the incidents that state none.
    as_of: "now", 00:00 of that date in the archive timezone (None: today there).
    window_days, pattern_min, ttp_hours, action_slo_days: the metric parameters (None: the
    archive's, from postmortems.toml's [metrics], else SPEC's 180, 3, 72 and 28;
    `Database.canonical` fills them in).

    Example: Filters(services=("checkout-api",), as_of=date(2026, 11, 1))
    """

    start: date | None = None
    end: date | None = None
    severities: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    as_of: date | None = None
    window_days: int | None = None
    pattern_min: int | None = None
    ttp_hours: int | None = None
    action_slo_days: int | None = None

    def __post_init__(self) -> None:
        # Frozen, yet forgiving: accept lists, single strings and ISO date strings.
        set_ = object.__setattr__
        set_(self, "start", _date(self.start))
        set_(self, "end", _date(self.end))
        set_(self, "as_of", _date(self.as_of))
        set_(self, "severities", _severities(self.severities))
        for field in ("services", "categories", "teams"):
            set_(self, field, _names(getattr(self, field)))
        for field in Parameters._fields:
            value = getattr(self, field)
            if value is None:
                continue
            least, most = METRIC_LEAST[field], METRIC_MOST[field]
            if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
                raise ValueError(
                    f"Filters.{field} must be a whole number from {least} to {most:,}, "
                    f"not {value!r}"
                )
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"Filters.start {self.start} is after Filters.end {self.end}")

    def replace(self, **changes: Any) -> Filters:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (dates as ISO strings, tuples as lists); see `from_dict`."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[field.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Filters:
        """Inverse of `as_dict`; unknown keys are ignored."""
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})

    def unset(self) -> dict[str, None]:
        """The metric parameters left to the archive's settings (None), by name."""
        return {field: None for field in Parameters._fields if getattr(self, field) is None}

    def params(self, as_of: date) -> dict[str, Any]:
        """The bound parameters of the SQL macros (see analytics/sql/metrics/staging.sql),
        of filters whose metric parameters are set (`Database.canonical`)."""
        if unset := self.unset():
            raise ValueError(f"Filters.{', '.join(unset)} not set: see Database.canonical")
        return {
            "as_of": as_of,
            "start_date": self.start,
            "end_date": self.end,
            "severity_in": list(self.severities) or None,
            "service_in": list(self.services) or None,
            "category_in": list(self.categories) or None,
            "team_in": list(self.teams) or None,
            "window_days": self.window_days,
            "pattern_min": self.pattern_min,
            "ttp_hours": self.ttp_hours,
            "action_slo_days": self.action_slo_days,
        }
