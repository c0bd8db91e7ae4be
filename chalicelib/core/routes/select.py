"""From the desk configuration to route versions: which route a request takes, what a route's content
is (its version is the content's identity), and who acts in a stage. Pure."""
from __future__ import annotations

from dataclasses import asdict

from .model import RouteVersion, StageSpec, content_hash
from .progress import condition_holds


def _texts(localized) -> dict[str, str]:
    return {k: v for k, v in asdict(localized).items() if v}


def stage_specs(route_config) -> tuple[StageSpec, ...]:
    return tuple(
        StageSpec(id=s.id, name=_texts(s.name), kind=s.kind, people=tuple(s.people), mode=s.mode,
                  due_minutes=s.due_minutes, remind_minutes=s.remind_minutes, condition=dict(s.condition or {}),
                  on_deadline=s.on_deadline, on_reject=s.on_reject, max_cycles=s.max_cycles,
                  department=s.department)
        for s in route_config.stages)


def route_content(route_config) -> tuple[str, dict]:
    """(hash, snapshot without a version number) of a configured route."""
    stages = [asdict(s) for s in stage_specs(route_config)]
    for s in stages:
        s["people"] = list(s["people"])
    title = _texts(route_config.title)
    return content_hash(route_config.id, title, stages), {"name": route_config.id, "title": title, "stages": stages}


def version_of(snapshot: dict, version: int, digest: str) -> RouteVersion:
    return RouteVersion.from_dict({**snapshot, "version": version, "hash": digest})


def route_for(config, *, category: str, priority: str, facts: dict):
    """The first configured route for the category whose condition holds; None when there is none."""
    for route in config.routes:
        if category in route.categories and condition_holds(route.condition or {}, category=category,
                                                            priority=priority, facts=facts):
            return route
    return None


def people_of(config, stage: StageSpec, *, assignee: str, department: str, facts: dict) -> list[str]:
    """Staff ids who act in `stage` for a request, in order, each once, active staff only.

    'assignee' is the request's assignee; 'department_manager' the manager of the department the
    request names as responsible (fact `responsible_department`), else of the stage's department, else
    of the request's own; 'manager:<department>', 'staff:<id>', 'role:<role>' (the config's roles).
    """
    active = {m.id for m in config.staff if m.active}
    found: list[str] = []
    for ref in stage.people:
        kind, _, arg = ref.partition(":")
        if kind == "assignee":
            ids = [assignee]
        elif kind == "department_manager":
            dep = facts.get("responsible_department") or stage.department or department
            ids = [config.department(dep).manager] if dep in {d.id for d in config.departments} else []
        elif kind == "manager":
            ids = [config.department(arg).manager]
        elif kind == "staff":
            ids = [arg]
        elif kind == "role":
            ids = list(config.roles.get(arg, ()))
        else:
            ids = []
        for staff_id in ids:
            if staff_id in active and staff_id not in found:
                found.append(staff_id)
    return found
