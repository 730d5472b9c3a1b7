"""Times and windows: half-open ``[start, end)``, naive times read in the campaign timezone."""

from __future__ import annotations

from datetime import datetime, tzinfo

MIN_YEAR, MAX_YEAR = 1900, 2200  # a checkout or refund time outside these years is a typo or an attack
MIN_EPOCH, MAX_EPOCH = -2208988800, 7289654399  # 1900-01-01 to 2200-12-31T23:59:59, UTC


def parse_time(value: object, tz: tzinfo) -> float:
    """Parse an ISO 8601 time (``2016-11-11T10:00``, with or without offset) into epoch seconds."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"time {value!r} is not an ISO 8601 date-time like '2016-11-11T10:00'") from None
    else:
        raise ValueError(f"time {str(value)[:40]!r} is not an ISO 8601 date-time string")
    if not MIN_YEAR <= dt.year <= MAX_YEAR:
        raise ValueError(f"time {value!r} is outside the years {MIN_YEAR}-{MAX_YEAR}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    try:
        return dt.timestamp()
    except (OverflowError, ValueError, OSError):
        raise ValueError(f"time {value!r} cannot be placed in time") from None


class Window:
    """A half-open time window ``[start, end)`` in epoch seconds; ``None`` ends are open."""

    __slots__ = ("start", "end")

    def __init__(self, start: float | None, end: float | None) -> None:
        self.start = start
        self.end = end

    def contains(self, t: float) -> bool:
        """Whether ``t`` lies inside the window."""
        return (self.start is None or t >= self.start) and (self.end is None or t < self.end)


def in_any(windows: tuple[Window, ...], t: float) -> bool:
    """Whether ``t`` lies in one of ``windows`` (an empty tuple means always)."""
    return not windows or any(w.contains(t) for w in windows)
