"""A business calendar: working hours per weekday in one IANA time zone, holidays and extra working days.

Business minutes are real elapsed minutes inside working hours, so a day on which the clocks change
(outside working hours) still counts its nine hours. Pure: no clock is read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SEARCH_DAYS = 3700
"""How far `add` looks for working time (ten years; the config guarantees some exists)."""


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str = "UTC"
    hours: dict[int, tuple[int, int]] = field(default_factory=lambda: {d: (540, 1080) for d in range(5)})
    """Weekday (0 = Monday) → (start, end) in minutes after local midnight; end may be 1440."""
    holidays: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    """Days off by the weekday that are worked (a moved working Saturday): the usual hours of a working day."""

    @cached_property
    def zone(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)

    @cached_property
    def day_minutes(self) -> int:
        """The length of a usual working day: what a period's `days` count in."""
        lengths = [end - start for start, end in self.hours.values()]
        return max(set(lengths), key=lambda n: (lengths.count(n), n)) if lengths else 0

    def _usual_hours(self) -> tuple[int, int]:
        return next((h for d, h in sorted(self.hours.items()) if h[1] - h[0] == self.day_minutes), (540, 1080))

    def working_hours_on(self, day: date) -> tuple[int, int] | None:
        if day in self.holidays:
            return None
        if day in self.extra_working_days:
            return self.hours.get(day.weekday()) or self._usual_hours()
        return self.hours.get(day.weekday())

    def _interval(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's working time as UTC instants."""
        hours = self.working_hours_on(day)
        if not hours:
            return None
        return self._instant(day, hours[0]), self._instant(day, hours[1])

    def _instant(self, day: date, minutes: int) -> datetime:
        day = day + timedelta(days=minutes // 1440)
        minutes %= 1440
        local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.zone)
        return local.astimezone(timezone.utc)

    def _local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def add(self, start: datetime, business_minutes: float) -> datetime:
        """The moment `business_minutes` of working time after `start` (UTC): nights, weekends and
        holidays do not count. Zero minutes from outside working hours is the start itself."""
        start = start.astimezone(timezone.utc)
        remaining = timedelta(minutes=business_minutes)
        if remaining <= timedelta(0):
            return start
        day = self._local_day(start) - timedelta(days=1)
        for _ in range(_SEARCH_DAYS):
            interval = self._interval(day)
            day += timedelta(days=1)
            if interval is None or interval[1] <= start:
                continue
            begin = max(start, interval[0])
            available = interval[1] - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise ValueError("the calendar has no working time")

    def between(self, a: datetime, b: datetime) -> float:
        """Business minutes from `a` to `b` (negative when `b` is earlier)."""
        a, b = a.astimezone(timezone.utc), b.astimezone(timezone.utc)
        if b < a:
            return -self.between(b, a)
        total = timedelta(0)
        day, last = self._local_day(a) - timedelta(days=1), self._local_day(b)
        while day <= last:
            interval = self._interval(day)
            day += timedelta(days=1)
            if interval is None:
                continue
            begin, end = max(a, interval[0]), min(b, interval[1])
            if end > begin:
                total += end - begin
        return total.total_seconds() / 60

    def period_minutes(self, total_minutes: int) -> int:
        """Business minutes of a route period stored as whole minutes with 24-hour days (a route
        version's snapshot): each full day counts as a usual working day, the rest as it is."""
        days, rest = divmod(int(total_minutes), 1440)
        return days * self.day_minutes + rest

    def add_period(self, start: datetime, days: int = 0, hours: int = 0, minutes: int = 0) -> datetime:
        """A route's period on this calendar: a day is a usual working day (2 days: two working days)."""
        return self.add(start, days * self.day_minutes + hours * 60 + minutes)


ALWAYS = BusinessCalendar("UTC", {d: (0, 1440) for d in range(7)})
"""Every minute counts: the calendar of a desk that configures none is not this (see config), tests use it."""
