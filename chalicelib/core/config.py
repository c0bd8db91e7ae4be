"""The desk's configuration file (TOML), validated by pydantic.

A bad file stops the start with a `ConfigError` naming the field, e.g.
``config/desk.toml: categories[1].department: unknown department 'salez'``.

The config types are frozen stdlib dataclasses, so using a config never imports pydantic: pydantic
(~100 ms of a cold start) is imported only to validate a file. Packaging validates the file once and
ships the result beside it as a snapshot (``desk.toml.snapshot``), which `load_config` uses while the
file's bytes and this module's source are those it was made from; otherwise it validates the file.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from pathlib import Path
from typing import IO, Annotated, Any, Callable, Literal

Language = Literal["en", "ru", "zh"]
LANGUAGES: tuple[str, ...] = ("en", "ru", "zh")
"""The languages with customer-facing texts (form, acknowledgements); customers in others get English."""

ISO_639_1 = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el
en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja
jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb
nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq
sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
""".split())


class _Limits:
    """Pydantic's own constraints on a field (``gt``, ``ge``, ``pattern``), named without importing
    pydantic: it asks for them only when it validates a file."""

    def __init__(self, **constraints: Any):
        self.constraints = constraints

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        return {**handler(source), **self.constraints}


class _Check:
    """A check run by pydantic after the field's type: it returns the value or raises ValueError."""

    def __init__(self, check: Callable[[Any], Any]):
        self.check = check

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self.check, handler(source))


def _iso_639_1(code: str) -> str:
    if code not in ISO_639_1:
        raise ValueError(f"{code!r} is not an ISO 639-1 language code (two lower-case letters, e.g. 'de')")
    return code


LanguageCode = Annotated[str, _Check(_iso_639_1)]
"""Any ISO 639-1 code: the language of keywords, urgent words and negations, and what staff speak."""

_MAILBOX = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                      r"[A-Za-z]{2,63}$")


def _mailbox(address: str) -> str:
    """A plain address of ours or of staff (ASCII, as SES sends from). Checked here rather than with
    email-validator, whose import (and pydantic's version check of it) costs a cold start ~30 ms."""
    if not _MAILBOX.match(address) or ".." in address:
        raise ValueError(f"{address!r} is not a valid email address")
    return address.lower()


Mailbox = Annotated[str, _Check(_mailbox)]
Id = Annotated[str, _Limits(pattern=r"^[a-z0-9_.-]+$")]
Key = Annotated[str, _Limits(pattern=r"^[a-z0-9_]+$")]
Positive = Annotated[int, _Limits(gt=0)]


def _compiles(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
    return patterns


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or invalid; the message names the field."""


class _Strict:
    __pydantic_config__ = {"extra": "forbid"}

    def model_copy(self, *, update: dict[str, Any] | None = None):
        """A copy with some fields replaced, not validated (as pydantic's ``model_copy``)."""
        return dataclasses.replace(self, **(update or {}))


_section = dataclass(frozen=True, kw_only=True)


@_section
class Localized(_Strict):
    """A text in each customer language; English is the fallback."""
    en: str
    ru: str | None = None
    zh: str | None = None

    def get(self, language: str) -> str:
        return getattr(self, language, None) or self.en


@dataclass(frozen=True)
class Words(_Strict):
    """Lower-case word stems per language (`de = ["rechnung"]`); a stem matches at the start of a word
    (Chinese and Japanese: anywhere). Every language's words are looked for in every request."""
    root: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(
            cls, handler.generate_schema(dict[LanguageCode, list[str]]))

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang, words in self.root.items() if words)

    def get(self, language: str) -> list[str]:
        return self.root.get(language, [])

    def all(self) -> list[str]:
        return [word for words in self.root.values() for word in words]

    @cached_property
    def stems(self) -> tuple[str, ...]:
        """All words lower-cased, computed once."""
        return tuple(word.lower() for word in self.all())


@_section
class DeskSection(_Strict):
    name: str = "Requestflow Desk"
    address: Mailbox = "desk@requestflow.example"
    aliases: list[Mailbox] = field(default_factory=list)
    """Other addresses of ours: mail from them is a loop."""
    ticket_prefix: Annotated[str, _Limits(pattern=r"^[A-Z]{1,6}$")] = "RF"
    default_language: Language = "en"
    max_message_bytes: Positive = 40 * 1024 * 1024
    auto_replies_per_sender_per_hour: Annotated[int, _Limits(ge=0)] = 3
    site_origin: str = "http://127.0.0.1:8000"
    """The website allowed to post the form from another origin (CORS)."""

    @property
    def mail_domain(self) -> str:
        """The domain of the desk's address: our Message-IDs are made in it."""
        return str(self.address).split("@", 1)[1]

    @property
    def own_addresses(self) -> list[str]:
        return [str(self.address).lower(), *(str(a).lower() for a in self.aliases)]


@_section
class FormSection(_Strict):
    max_body_bytes: Positive = 64 * 1024
    max_message_chars: Positive = 20000
    posts_per_hour_per_address: Positive = 5
    posts_per_hour_per_ip: Positive = 30


@_section
class StaffMember(_Strict):
    id: Id
    name: str
    email: Mailbox
    department: str
    languages: list[LanguageCode] = field(default_factory=lambda: ["en", "ru"])
    active: bool = True


@_section
class Department(_Strict):
    id: Id
    name: Localized
    manager: str
    """Staff id of the department's manager (escalations and digests)."""


@_section
class RequiredFact(_Strict):
    """A fact a category needs before work can start (an order needs the monthly volume)."""
    id: Key
    label: Localized
    patterns: Annotated[list[str], _Check(_compiles)]
    """Regular expressions (case-insensitive); the fact is present when any matches the text."""

    @cached_property
    def _matchers(self) -> tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]:
        """(patterns for the lower-cased text, case-insensitive patterns for the text as written).

        One pattern at a time and without IGNORECASE, the regex engine skips ahead to a pattern's
        literal start; one big case-insensitive alternation tries every pattern at every position
        (measured 5× slower on the sample mail)."""
        plain = [p for p in self.patterns if not any(ch.isupper() for ch in re.sub(r"\\.", "", p))]
        cased = [p for p in self.patterns if p not in plain]
        return tuple(re.compile(p) for p in plain), tuple(re.compile(p, re.IGNORECASE) for p in cased)

    def found(self, text: str) -> bool:
        """The fact is in `text`: any of its patterns matches, case-insensitively."""
        plain, cased = self._matchers
        lowered = text.lower()
        return any(p.search(lowered) for p in plain) or any(p.search(text) for p in cased)

    def position(self, text: str) -> int | None:
        """About where in `text` the fact is first stated (None when it is not); lower-casing may
        shift a position by the odd character, which is close enough to quote the sentence."""
        plain, cased = self._matchers
        lowered = text.lower()
        hits = [m.start() for p in plain if (m := p.search(lowered))]
        hits += [m.start() for p in cased if (m := p.search(text))]
        return min(min(hits), len(text)) if hits else None


@_section
class Category(_Strict):
    id: Key
    name: Localized
    department: str
    keywords: Words = field(default_factory=Words)
    weight: Annotated[float, _Limits(gt=0)] = 1.0
    """Keyword hits are multiplied by this: >1 lets a category win when others match too."""
    required_facts: list[RequiredFact] = field(default_factory=list)


@_section
class PrioritySection(_Strict):
    urgent_words: Words = field(default_factory=lambda: Words(
        {"en": ["urgent", "asap"], "ru": ["срочн"], "zh": ["紧急", "加急"]}))
    negations: Words = field(default_factory=lambda: Words(
        {"en": ["not", "non", "no"], "ru": ["не", "нет"], "zh": ["不", "非"]}))
    """A negation right before an urgent word cancels it ("not urgent", "не срочно")."""
    urgent_headers: bool = True
    """Treat Importance: high / X-Priority 1-2 as urgent."""


@_section
class AssignmentSection(_Strict):
    strategy: Literal["round_robin", "least_loaded"] = "round_robin"


Hours = Annotated[float, _Limits(gt=0)]


@_section
class SlaTargets(_Strict):
    """A category's own targets (business hours per priority); a priority it leaves out keeps the default."""
    first_response_hours: dict[Literal["normal", "urgent"], Hours] = field(default_factory=dict)
    resolution_hours: dict[Literal["normal", "urgent"], Hours] = field(default_factory=dict)


@_section
class SlaSection(_Strict):
    """Targets in business hours of the `[calendar]`; the clock stops while the request waits for the customer."""
    first_response_hours: dict[Literal["normal", "urgent"], Hours] = field(
        default_factory=lambda: {"normal": 24, "urgent": 4})
    resolution_hours: dict[Literal["normal", "urgent"], Hours] = field(
        default_factory=lambda: {"normal": 72, "urgent": 24})
    red_zone_hours: Hours = 4
    """Business hours past a due time after which the department's manager is told (the red zone)."""
    categories: dict[str, SlaTargets] = field(default_factory=dict)
    """Per-category overrides: `[sla.categories.complaint] first_response_hours = { normal = 8 }`."""

    def hours(self, target: str, category: str, priority: str) -> float:
        """The target ('first_response' or 'resolution') of a category and priority, in business hours."""
        own = self.categories.get(category)
        if own is not None:
            value = getattr(own, f"{target}_hours").get(priority)  # type: ignore[call-overload]
            if value is not None:
                return value
        defaults = getattr(self, f"{target}_hours")
        return defaults.get(priority, defaults.get("normal", 24))


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)\s*-\s*(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$")


def _working_hours(text: str) -> str:
    """"09:00-18:00": the end after the start (24:00 is midnight at the end of the day)."""
    match = _HHMM.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a span of time like '09:00-18:00'")
    start = int(match.group(1)) * 60 + int(match.group(2))
    end = int(match.group(3) or match.group(5)) * 60 + int(match.group(4) or match.group(6))
    if end <= start:
        raise ValueError(f"{text!r}: the end is not after the start")
    return text.strip()


def _time_zone(name: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone (e.g. 'Europe/Moscow')") from None
    return name


WorkingHours = Annotated[str, _Check(_working_hours)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@_section
class CalendarSection(_Strict):
    """The business calendar SLA targets and route deadlines run on."""
    timezone: Annotated[str, _Check(_time_zone)] = "UTC"
    working_hours: dict[Weekday, WorkingHours] = field(
        default_factory=lambda: {d: "09:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")})
    """Weekdays left out are days off."""
    holidays: list[date] = field(default_factory=list)
    extra_working_days: list[date] = field(default_factory=list)
    """Days off by the weekday that are worked (a moved working Saturday), with the usual hours."""

    @cached_property
    def business(self):
        """This calendar as a `core.sla.calendar.BusinessCalendar`."""
        from .sla.calendar import WEEKDAYS, BusinessCalendar

        def span(text: str) -> tuple[int, int]:
            start, end = (part.strip() for part in text.split("-"))
            return tuple(int(p[:2]) * 60 + int(p[3:]) for p in (start, end))  # type: ignore[return-value]

        return BusinessCalendar(self.timezone, {WEEKDAYS.index(d): span(h) for d, h in self.working_hours.items()},
                                frozenset(self.holidays), frozenset(self.extra_working_days))


STAGE_KINDS = ("approve", "summarize", "acknowledge", "execute", "investigate", "respond")
_REJECTABLE = ("approve", "summarize")
_PEOPLE = re.compile(r"^(?:assignee|department_manager|(?:staff|role|manager):[a-z0-9_.-]+)$")


@_section
class Period(_Strict):
    """A period of days, hours and minutes (`{ days = 2 }`, `{ hours = 4, minutes = 30 }`)."""
    days: Annotated[int, _Limits(ge=0)] = 0
    hours: Annotated[int, _Limits(ge=0)] = 0
    minutes: Annotated[int, _Limits(ge=0)] = 0

    @property
    def total_minutes(self) -> int:
        return (self.days * 24 + self.hours) * 60 + self.minutes


def _people(refs: list[str]) -> list[str]:
    if not refs:
        raise ValueError("a stage needs at least one person")
    for ref in refs:
        if not _PEOPLE.match(ref):
            raise ValueError(f"{ref!r} is not a person: use 'assignee', 'department_manager', 'staff:<id>', "
                             "'role:<role>' or 'manager:<department>'")
    return refs


def _condition(condition: dict) -> dict:
    """{category = [...], priority = [...], fact = { amount = { gte = 1000 }, monthly_need = "present" }}"""
    unknown = set(condition) - {"category", "priority", "fact"}
    if unknown:
        raise ValueError(f"unknown condition {sorted(unknown)[0]!r}: use category, priority or fact")
    for key in ("category", "priority"):
        if key in condition and not (isinstance(condition[key], list) and all(isinstance(v, str) for v in condition[key])):
            raise ValueError(f"{key}: a list of names")
    for name, test in (condition.get("fact") or {}).items():
        if test == "present":
            continue
        if not isinstance(test, dict) or not test or set(test) - {"gte", "gt", "lte", "lt"} or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in test.values()):
            raise ValueError(f"fact.{name}: \"present\" or comparisons gte/gt/lte/lt with numbers")
    return condition


@_section
class RouteStage(_Strict):
    """One point of a route: who acts, in which way, by when, and what a miss or a rejection does."""
    id: Key
    name: Localized
    kind: Literal["approve", "summarize", "acknowledge", "execute", "investigate", "respond"]
    people: Annotated[list[str], _Check(_people)]
    mode: Literal["all", "any"] = "all"
    due: Period = field(default_factory=lambda: Period(days=1))
    remind: Period | None = None
    condition: Annotated[dict[str, Any], _Check(_condition)] = field(default_factory=dict)
    on_deadline: Literal["escalate", "approve", "reject"] = "escalate"
    on_reject: str = "end"
    """'end' (not approved) or the id of an earlier stage to go back to."""
    max_cycles: Annotated[int, _Limits(ge=1, le=20)] = 3
    department: str | None = None
    """Whose manager 'department_manager' means when the request names no responsible department."""

    @property
    def due_minutes(self) -> int:
        return self.due.total_minutes

    @property
    def remind_minutes(self) -> int | None:
        return self.remind.total_minutes if self.remind and self.remind.total_minutes else None


@_section
class Route(_Strict):
    """An approval route: chosen by category (and a condition), run stage after stage."""
    id: Key
    title: Localized
    categories: list[str]
    stages: list[RouteStage]
    condition: Annotated[dict[str, Any], _Check(_condition)] = field(default_factory=dict)


REPLY_PLACEHOLDERS: tuple[str, ...] = ("ticket", "customer_name", "subject", "category", "department", "facts",
                                        "staff_name", "desk_name")
"""What a standard reply's text may name: the request's fields, in the customer's language."""
REPLY_SAMPLE = {"ticket": "RF-2611-0042", "customer_name": "Pieter de Vries", "subject": "Stretch film",
                "category": "Order or quote", "department": "Sales", "facts": "monthly need: 40 rolls",
                "staff_name": "Olga Smirnova", "desk_name": "Requestflow Desk"}
"""The fields every standard reply is rendered with when the config is loaded: a text that does not
render with them stops the start, rather than a staff member's reply at send time."""


def _reply_text(text: str) -> str:
    """A standard reply's text: `{placeholder}`s from REPLY_PLACEHOLDERS only, `{{`/`}}` for braces."""
    import string

    if not text.strip():
        raise ValueError("the text is empty")
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValueError(f"{exc} (write {{{{ or }}}} for a brace of its own)") from None
    known = ", ".join(f"{{{p}}}" for p in REPLY_PLACEHOLDERS)
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in REPLY_PLACEHOLDERS:
            raise ValueError(f"unknown placeholder {{{name}}}: use {known}")
        if spec or conversion:
            raise ValueError(f"placeholder {{{name}}} takes no format or conversion: write {{{name}}}")
    text.format_map(REPLY_SAMPLE)
    return text


ReplyText = Annotated[str, _Check(_reply_text)]


@_section
class ReplyTexts(_Strict):
    """A standard reply's text in each customer language; English is the fallback."""
    en: ReplyText
    ru: ReplyText | None = None
    zh: ReplyText | None = None

    def get(self, language: str) -> str:
        return getattr(self, language, None) or self.en


@_section
class StandardReply(_Strict):
    """A reply staff send with `#reply <name>` or a button on the request's page (`[[replies]]`)."""
    name: Key
    title: Localized
    """What staff see in lists and on the page, in their language."""
    body: ReplyTexts
    categories: list[str] = field(default_factory=list)
    """The categories it is offered for; empty: every category."""

    def offered_for(self, category: str) -> bool:
        return not self.categories or category in self.categories


def _replies_resolve(config: "DeskConfig") -> None:
    categories = {c.id for c in config.categories}
    seen: set[str] = set()
    for i, reply in enumerate(config.replies):
        if reply.name in seen:
            raise ValueError(f"replies[{i}].name: duplicate name {reply.name!r}")
        seen.add(reply.name)
        for j, category in enumerate(reply.categories):
            if category not in categories:
                raise ValueError(f"replies[{i}].categories[{j}]: unknown category {category!r}")


@_section
class OutboxSection(_Strict):
    """Sending: how often and how fast a failed email is tried again, and how often a customer hears
    about their request's status."""
    max_attempts: Positive = 5
    """After this many failed attempts an email is dead-lettered (`./rf outbox retry` revives it)."""
    retry_base_seconds: Positive = 60
    """The wait after the first failure; it doubles with each further failure."""
    retry_max_seconds: Positive = 3600
    lease_seconds: Positive = 300
    """How long a sender holds its claim; longer than a send can take (the functions' 60 s timeout)."""
    status_update_window_hours: Annotated[float, _Limits(ge=0)] = 4
    """At most one status update email per request in each such window; 0 sends every update."""


@_section
class SurveySection(_Strict):
    """The satisfaction survey a customer gets when their request is resolved."""
    low_rating: Annotated[int, _Limits(ge=1, le=5)] = 2
    """An answer of this score or lower is sent to the department's manager."""
    link_days: Annotated[int, _Limits(ge=1, le=365)] = 30
    """How long the survey links stay valid."""


@_section
class ClosureSection(_Strict):
    """When the desk closes requests by itself."""
    reopen_days: Annotated[int, _Limits(ge=1, le=365)] = 7
    """A customer's reply within this many days of the resolution reopens the request; after it the
    request is closed."""
    waiting_customer_days: Annotated[int, _Limits(ge=1, le=365)] = 14
    """A request waiting on the customer this long is closed, with a notice to the customer."""


@_section
class KpiSection(_Strict):
    """What KPIs cost and count (docs/KPI.md). Costs are per month, in `currency`; a digest's period
    takes days ÷ 30 of them."""
    staff_cost_per_month: Annotated[float, _Limits(ge=0)] = 0.0
    aws_cost_per_month: Annotated[float, _Limits(ge=0)] = 0.0
    currency: str = "EUR"
    order_categories: list[str] = field(default_factory=lambda: ["order"])
    """Categories whose requests are orders (the conversion order → approved → execution started)."""
    red_zone_margin_hours: Annotated[float, _Limits(ge=0)] = 4.0
    """An open request more than this past due is in the red zone (board and digest lists)."""


@_section
class DigestSchedule(_Strict):
    """One manager's digest: `[[digests]]` with the staff id, daily or weekly, language, time zone, hour."""
    manager: str
    period: Literal["daily", "weekly"] = "weekly"
    language: Language | None = None
    """Default: the manager's staff language."""
    time_zone: str = "UTC"
    hour: Annotated[int, _Limits(ge=0, le=23)] = 8
    """Sent at the first kpi_digest run from this local hour on (weekly: on Mondays)."""


@_section
class DeskConfig(_Strict):
    desk: DeskSection = field(default_factory=DeskSection)
    form: FormSection = field(default_factory=FormSection)
    priority: PrioritySection = field(default_factory=PrioritySection)
    assignment: AssignmentSection = field(default_factory=AssignmentSection)
    sla: SlaSection = field(default_factory=SlaSection)
    calendar: CalendarSection = field(default_factory=CalendarSection)
    default_category: str = "question"
    departments: list[Department]
    staff: list[StaffMember]
    categories: list[Category]
    roles: dict[Key, list[str]] = field(default_factory=dict)
    """Named groups of staff for routes (`accountant = ["natalia"]`)."""
    routes: list[Route] = field(default_factory=list)
    outbox: OutboxSection = field(default_factory=OutboxSection)
    replies: list[StandardReply] = field(default_factory=list)
    """Standard replies (price list, delivery terms, documents) staff send by name."""
    survey: SurveySection = field(default_factory=SurveySection)
    closure: ClosureSection = field(default_factory=ClosureSection)
    kpi: KpiSection = field(default_factory=KpiSection)
    digests: list[DigestSchedule] = field(default_factory=list)

    @cached_property
    def languages(self) -> tuple[str, ...]:
        """Every language the config names: its keywords, urgent words, negations and what its staff speak."""
        named = [*self.priority.urgent_words.languages, *self.priority.negations.languages,
                 *(lang for c in self.categories for lang in c.keywords.languages),
                 *(lang for s in self.staff for lang in s.languages)]
        return tuple(dict.fromkeys(named))

    def category(self, category_id: str) -> Category:
        return next(c for c in self.categories if c.id == category_id)

    def department(self, department_id: str) -> Department:
        return next(d for d in self.departments if d.id == department_id)

    def staff_member(self, staff_id: str) -> StaffMember:
        return next(s for s in self.staff if s.id == staff_id)

    def staff_name(self, staff_id: str) -> str:
        """The person's name; their id once they are no longer in the config."""
        return next((s.name for s in self.staff if s.id == staff_id), staff_id)

    def holder(self, staff_id: str, department_id: str) -> StaffMember:
        """Who answers for a request assigned to `staff_id`: that person while the config has them;
        once they are taken out of it, the manager of the request's department (of the first department
        when that is gone too), until someone reassigns the request."""
        member = next((s for s in self.staff if s.id == staff_id), None)
        if member is not None:
            return member
        department = next((d for d in self.departments if d.id == department_id), self.departments[0])
        return self.staff_member(department.manager)

    def staff_of(self, department_id: str) -> list[StaffMember]:
        return [s for s in self.staff if s.department == department_id and s.active]


def _references_resolve(config: DeskConfig) -> DeskConfig:
    _unique("departments", [d.id for d in config.departments])
    _unique("staff", [s.id for s in config.staff])
    _unique("categories", [c.id for c in config.categories])
    departments = {d.id for d in config.departments}
    staff = {s.id for s in config.staff}
    for i, member in enumerate(config.staff):
        if member.department not in departments:
            raise ValueError(f"staff[{i}].department: unknown department {member.department!r}")
    for i, department in enumerate(config.departments):
        if department.manager not in staff:
            raise ValueError(f"departments[{i}].manager: unknown staff member {department.manager!r}")
        if not any(s.department == department.id and s.active for s in config.staff):
            raise ValueError(f"departments[{i}]: department {department.id!r} has no active staff")
    for i, category in enumerate(config.categories):
        if category.department not in departments:
            raise ValueError(f"categories[{i}].department: unknown department {category.department!r}")
    if config.default_category not in {c.id for c in config.categories}:
        raise ValueError(f"default_category: unknown category {config.default_category!r}")
    for role, members in config.roles.items():
        for j, member in enumerate(members):
            if member not in staff:
                raise ValueError(f"roles.{role}[{j}]: unknown staff member {member!r}")
    _unique("routes", [r.id for r in config.routes])
    categories = {c.id for c in config.categories}
    for i, route in enumerate(config.routes):
        _routes_resolve(config, i, route, categories, departments, staff)
    _replies_resolve(config)
    _sla_resolves(config, categories)
    _digests_resolve(config, staff)
    return config


def _sla_resolves(config: DeskConfig, categories: set[str]) -> None:
    for category in config.sla.categories:
        if category not in categories:
            raise ValueError(f"sla.categories.{category}: unknown category {category!r}")
    if not config.calendar.working_hours:
        raise ValueError("calendar.working_hours: at least one weekday needs working hours")


def _digests_resolve(config: DeskConfig, staff: set[str]) -> None:
    from zoneinfo import ZoneInfo

    for i, digest in enumerate(config.digests):
        if digest.manager not in staff:
            raise ValueError(f"digests[{i}].manager: unknown staff member {digest.manager!r}")
        try:
            ZoneInfo(digest.time_zone)
        except (KeyError, ValueError):
            raise ValueError(f"digests[{i}].time_zone: unknown time zone {digest.time_zone!r}") from None


def _routes_resolve(config: DeskConfig, i: int, route: Route, categories: set[str], departments: set[str],
                    staff: set[str]) -> None:
    where = f"routes[{i}]"
    for j, category in enumerate(route.categories):
        if category not in categories:
            raise ValueError(f"{where}.categories[{j}]: unknown category {category!r}")
    if not route.stages:
        raise ValueError(f"{where}.stages: a route needs at least one stage")
    _unique(f"{where}.stages", [s.id for s in route.stages])
    seen: list[str] = []
    for j, stage in enumerate(route.stages):
        at = f"{where}.stages[{j}]"
        for k, ref in enumerate(stage.people):
            kind, _, arg = ref.partition(":")
            if kind == "staff" and arg not in staff:
                raise ValueError(f"{at}.people[{k}]: unknown staff member {arg!r}")
            if kind == "role" and arg not in config.roles:
                raise ValueError(f"{at}.people[{k}]: unknown role {arg!r}")
            if kind == "manager" and arg not in departments:
                raise ValueError(f"{at}.people[{k}]: unknown department {arg!r}")
        if stage.department is not None and stage.department not in departments:
            raise ValueError(f"{at}.department: unknown department {stage.department!r}")
        if stage.due_minutes < 1:
            raise ValueError(f"{at}.due: the period must be at least a minute")
        if stage.on_reject != "end":
            if stage.kind not in _REJECTABLE:
                raise ValueError(f"{at}.on_reject: a {stage.kind!r} stage cannot be rejected")
            if stage.on_reject not in seen:
                raise ValueError(f"{at}.on_reject: {stage.on_reject!r} is not an earlier stage of this route")
        if stage.on_deadline == "reject" and stage.kind not in _REJECTABLE:
            raise ValueError(f"{at}.on_deadline: a {stage.kind!r} stage cannot be rejected by default")
        seen.append(stage.id)


def _unique(section: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i, item_id in enumerate(ids):
        if item_id in seen:
            raise ValueError(f"{section}[{i}].id: duplicate id {item_id!r}")
        seen.add(item_id)


def _location(loc: tuple) -> str:
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_MESSAGES = {
    "unexpected_keyword_argument": lambda error: "Extra inputs are not permitted",
    "dataclass_type": lambda error: f"Input should be a valid dictionary or instance of {error['ctx']['class_name']}",
}
"""Pydantic words a few errors differently for dataclasses than for models: the file's author sees the same."""


@cache
def _validator():
    from pydantic import TypeAdapter

    return TypeAdapter(Annotated[DeskConfig, _Check(_references_resolve)])


def parse_config(data: dict, source: str = "config") -> DeskConfig:
    from pydantic import ValidationError

    try:
        return _validator().validate_python(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = _location(tuple(error["loc"]))
            message = _MESSAGES.get(error["type"], lambda e: e["msg"])(error).removeprefix("Value error, ")
            problems.append(f"{source}: {where + ': ' if where else ''}{message}")
        raise ConfigError("\n".join(problems)) from None


def load_config(path: str | Path) -> DeskConfig:
    """The config in the file: from its snapshot when that is current, else validated by pydantic."""
    path = Path(path)
    toml = _read(path)
    return _current_snapshot(snapshot_path(path), toml) or _validated(path, toml)


def snapshot_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".snapshot")


def write_snapshot(path: str | Path) -> Path:
    """Validate the file and store the result beside it for `load_config`; returns the snapshot's path.

    A current snapshot is left as it is, so packaging twice gives the same bytes. The snapshot is a
    pickle: it must ship with the code, never come from elsewhere.
    """
    path = Path(path)
    toml = _read(path)
    target = snapshot_path(path)
    if _current_snapshot(target, toml) is None:
        config = _validated(path, toml)
        partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        with partial.open("wb") as file:
            pickle.dump(_snapshot_key(toml), file, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(config, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, target)
    return target


def snapshot_matches(snapshot: bytes, toml: bytes) -> bool:
    """Whether a snapshot's bytes were made from these TOML bytes by this module."""
    return _snapshot_from(io.BytesIO(snapshot), toml) is not None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None


def _validated(path: Path, toml: bytes) -> DeskConfig:
    import tomllib

    try:
        data = tomllib.loads(toml.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, str(path))


def _current_snapshot(snapshot: Path, toml: bytes) -> DeskConfig | None:
    try:
        with snapshot.open("rb") as file:
            return _snapshot_from(file, toml)
    except FileNotFoundError:
        return None


def _snapshot_from(file: IO[bytes], toml: bytes) -> DeskConfig | None:
    """The snapshot's config if it was made from these TOML bytes by this module's source, else None."""
    try:
        if pickle.load(file) != _snapshot_key(toml):
            return None
        config = pickle.load(file)
    except (EOFError, pickle.UnpicklingError, ValueError, TypeError):
        return None
    return config if isinstance(config, DeskConfig) else None


def _snapshot_key(toml: bytes) -> dict[str, Any]:
    return {"python": list(sys.version_info[:2]), "schema": _schema_version(),
            "toml_sha256": hashlib.sha256(toml).hexdigest()}


@cache
def _schema_version() -> str:
    """The hash of this module's source: any change to the types or their checks makes old snapshots stale."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
