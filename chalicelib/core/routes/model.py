"""A route version as a request runs it: a frozen snapshot of the route's stages.

The desk configuration describes routes; the first time a route's content is used it becomes a
numbered version, and every request keeps the version it started with. A running request never sees
a changed route: a change is a new version with a machine of its own.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

STAGE_KINDS = ("approve", "summarize", "acknowledge", "execute", "investigate", "respond")

ACTIONS = {
    "approve": ("approve", "reject"),
    "summarize": ("approve", "reject"),
    "acknowledge": ("read",),
    "execute": ("start",),
    "investigate": ("answer",),
    "respond": ("answer",),
}
"""What a person can do in a stage of each kind."""

POSITIVE = {"approve", "read", "start", "answer"}


@dataclass(frozen=True)
class StageSpec:
    id: str
    name: dict[str, str]
    """The stage's name per language (en at least)."""
    kind: str
    people: tuple[str, ...]
    """Who acts: 'staff:<id>', 'role:<role>', 'department_manager', 'assignee', 'manager:<department>'."""
    mode: str = "all"
    """'all' must act (one rejection decides), 'any': the first person decides."""
    due_minutes: int = 24 * 60
    remind_minutes: int | None = None
    condition: dict = field(default_factory=dict)
    """When the stage is on: {'category': [...], 'priority': [...], 'fact': {'amount': {'gte': 1000}}}."""
    on_deadline: str = "escalate"
    """'escalate' (tell the manager, keep waiting), 'approve' or 'reject' (decide by default)."""
    on_reject: str = "end"
    """'end' (the request is not approved) or the id of an earlier stage to go back to."""
    max_cycles: int = 3
    department: str | None = None
    """For 'department_manager': whose manager, when the request does not name a responsible one."""

    def label(self, lang: str) -> str:
        return self.name.get(lang) or self.name.get("en") or self.id

    @property
    def actions(self) -> tuple[str, ...]:
        return ACTIONS[self.kind]


@dataclass(frozen=True)
class RouteVersion:
    name: str
    version: int
    title: dict[str, str]
    stages: tuple[StageSpec, ...]
    hash: str = ""
    """The content's identity: the state machine is named after it, so a version never changes."""

    def stage(self, stage_id: str) -> StageSpec:
        return next(s for s in self.stages if s.id == stage_id)

    def index(self, stage_id: str) -> int:
        return next(i for i, s in enumerate(self.stages) if s.id == stage_id)

    def label(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("en") or self.name

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "RouteVersion":
        stages = tuple(StageSpec(**{**s, "people": tuple(s["people"])}) for s in data["stages"])
        return cls(name=data["name"], version=int(data["version"]), title=dict(data["title"]), stages=stages,
                   hash=data.get("hash", ""))


def content_hash(name: str, title: dict, stages: list[dict]) -> str:
    """What identifies a route's content: the same stages give the same hash, whatever the file layout."""
    body = json.dumps({"name": name, "title": title, "stages": stages}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()[:16]
