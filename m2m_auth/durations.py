"""Durations written as a number and a unit: ``30s``, ``90m``, ``12h``, ``30d``."""

from __future__ import annotations

import re
from datetime import timedelta

from .exceptions import InvalidInput

UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_DURATION = re.compile(r"([1-9][0-9]{0,6})([smhd])")
MAX_DURATION = timedelta(days=36500)


def parse_duration(text: str) -> timedelta:
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise InvalidInput(f"Invalid duration {text!r}: use a number and a unit, e.g. 30s, 90m, 12h, 30d.")
    number, unit = match.groups()
    duration = timedelta(**{UNITS[unit]: int(number)})
    if duration > MAX_DURATION:
        raise InvalidInput(f"Invalid duration {text!r}: at most 100 years.")
    return duration


def describe(duration: timedelta | float) -> str:
    """A duration as people write it: ``366 days``, ``1 hour 30 minutes``, ``45 seconds``."""
    seconds = round(duration.total_seconds() if isinstance(duration, timedelta) else duration)
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'' if count == 1 else 's'}")
    return " ".join(parts) or "0 seconds"
