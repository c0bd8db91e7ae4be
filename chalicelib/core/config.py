"""The desk's configuration file (TOML), validated by pydantic.

A bad file stops the start with a `ConfigError` naming the field, e.g.
``config/desk.toml: categories[1].department: unknown department 'salez'``.
"""
from __future__ import annotations

import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, RootModel, ValidationError,
                      field_validator, model_validator)

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


def _iso_639_1(code: str) -> str:
    if code not in ISO_639_1:
        raise ValueError(f"{code!r} is not an ISO 639-1 language code (two lower-case letters, e.g. 'de')")
    return code


LanguageCode = Annotated[str, AfterValidator(_iso_639_1)]

_MAILBOX = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                      r"[A-Za-z]{2,63}$")


def _mailbox(address: str) -> str:
    """A plain address of ours or of staff (ASCII, as SES sends from). Checked here rather than with
    email-validator, whose import (and pydantic's version check of it) costs a cold start ~30 ms."""
    if not _MAILBOX.match(address) or ".." in address:
        raise ValueError(f"{address!r} is not a valid email address")
    return address.lower()


Mailbox = Annotated[str, AfterValidator(_mailbox)]
"""Any ISO 639-1 code: the language of keywords, urgent words and negations, and what staff speak."""


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or invalid; the message names the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(_Strict):
    """A text in each customer language; English is the fallback."""
    en: str
    ru: str | None = None
    zh: str | None = None

    def get(self, language: str) -> str:
        return getattr(self, language, None) or self.en


class Words(RootModel[dict[LanguageCode, list[str]]]):
    """Lower-case word stems per language (`de = ["rechnung"]`); a stem matches at the start of a word
    (Chinese and Japanese: anywhere). Every language's words are looked for in every request."""
    model_config = ConfigDict(frozen=True)
    root: dict[LanguageCode, list[str]] = {}

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


class DeskSection(_Strict):
    name: str = "Requestflow Desk"
    address: Mailbox = "desk@requestflow.example"
    aliases: list[Mailbox] = []
    """Other addresses of ours: mail from them is a loop."""
    ticket_prefix: str = Field("RF", pattern=r"^[A-Z]{1,6}$")
    default_language: Language = "en"
    max_message_bytes: int = Field(40 * 1024 * 1024, gt=0)
    auto_replies_per_sender_per_hour: int = Field(3, ge=0)
    site_origin: str = "http://127.0.0.1:8000"
    """The website allowed to post the form from another origin (CORS)."""

    @property
    def own_addresses(self) -> list[str]:
        return [str(self.address).lower(), *(str(a).lower() for a in self.aliases)]


class FormSection(_Strict):
    max_body_bytes: int = Field(64 * 1024, gt=0)
    max_message_chars: int = Field(20000, gt=0)
    posts_per_hour_per_address: int = Field(5, gt=0)
    posts_per_hour_per_ip: int = Field(30, gt=0)


class StaffMember(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_.-]+$")
    name: str
    email: Mailbox
    department: str
    languages: list[LanguageCode] = ["en", "ru"]
    active: bool = True


class Department(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_.-]+$")
    name: Localized
    manager: str
    """Staff id of the department's manager (escalations and digests)."""


class RequiredFact(_Strict):
    """A fact a category needs before work can start (an order needs the monthly volume)."""
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    label: Localized
    patterns: list[str]
    """Regular expressions (case-insensitive); the fact is present when any matches the text."""

    @cached_property
    def matcher(self) -> re.Pattern[str]:
        """All patterns as one case-insensitive regular expression."""
        return re.compile("|".join(f"(?:{p})" for p in self.patterns), re.IGNORECASE)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
        return patterns


class Category(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: Localized
    department: str
    keywords: Words = Words()
    weight: float = Field(1.0, gt=0)
    """Keyword hits are multiplied by this: >1 lets a category win when others match too."""
    required_facts: list[RequiredFact] = []


class PrioritySection(_Strict):
    urgent_words: Words = Words({"en": ["urgent", "asap"], "ru": ["срочн"], "zh": ["紧急", "加急"]})
    negations: Words = Words({"en": ["not", "non", "no"], "ru": ["не", "нет"], "zh": ["不", "非"]})
    """A negation right before an urgent word cancels it ("not urgent", "не срочно")."""
    urgent_headers: bool = True
    """Treat Importance: high / X-Priority 1-2 as urgent."""


class AssignmentSection(_Strict):
    strategy: Literal["round_robin", "least_loaded"] = "round_robin"


class SlaSection(_Strict):
    first_response_hours: dict[Literal["normal", "urgent"], float] = {"normal": 24, "urgent": 4}
    resolution_hours: dict[Literal["normal", "urgent"], float] = {"normal": 72, "urgent": 24}


class DeskConfig(_Strict):
    desk: DeskSection = DeskSection()
    form: FormSection = FormSection()
    priority: PrioritySection = PrioritySection()
    assignment: AssignmentSection = AssignmentSection()
    sla: SlaSection = SlaSection()
    default_category: str = "question"
    departments: list[Department]
    staff: list[StaffMember]
    categories: list[Category]

    @model_validator(mode="after")
    def _references_resolve(self) -> "DeskConfig":
        _unique("departments", [d.id for d in self.departments])
        _unique("staff", [s.id for s in self.staff])
        _unique("categories", [c.id for c in self.categories])
        departments = {d.id for d in self.departments}
        staff = {s.id for s in self.staff}
        for i, member in enumerate(self.staff):
            if member.department not in departments:
                raise ValueError(f"staff[{i}].department: unknown department {member.department!r}")
        for i, department in enumerate(self.departments):
            if department.manager not in staff:
                raise ValueError(f"departments[{i}].manager: unknown staff member {department.manager!r}")
            if not any(s.department == department.id and s.active for s in self.staff):
                raise ValueError(f"departments[{i}]: department {department.id!r} has no active staff")
        for i, category in enumerate(self.categories):
            if category.department not in departments:
                raise ValueError(f"categories[{i}].department: unknown department {category.department!r}")
        if self.default_category not in {c.id for c in self.categories}:
            raise ValueError(f"default_category: unknown category {self.default_category!r}")
        return self

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

    def staff_of(self, department_id: str) -> list[StaffMember]:
        return [s for s in self.staff if s.department == department_id and s.active]


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


def parse_config(data: dict, source: str = "config") -> DeskConfig:
    try:
        return DeskConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = _location(tuple(error["loc"]))
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{source}: {where + ': ' if where else ''}{message}")
        raise ConfigError("\n".join(problems)) from None


def load_config(path: str | Path) -> DeskConfig:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, str(path))
