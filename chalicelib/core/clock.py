"""Time as a parameter: the core never reads the system clock, it is handed a Clock."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


@dataclass
class FixedClock:
    """A clock for tests: stands still until moved."""
    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class ScaledClock:
    """Desk time that runs `scale` times faster than wall time (the embedded stack's clock)."""
    scale: float = 1.0
    start: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    _wall_start: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._wall_start) * self.scale)

    def wall_seconds(self, desk_seconds: float) -> float:
        return desk_seconds / self.scale


def iso(moment: datetime) -> str:
    """UTC timestamp as stored and shown: 2026-11-02T08:08:19.123456Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
