"""Route versions: the first time a route's content is used it gets the next version number (a
conditional create in the table) and a state machine of its own; a request keeps its version."""
from __future__ import annotations

import threading

from ..core.clock import Clock, iso
from ..core.config import DeskConfig
from ..core.requests.models import Request
from ..core.routes.machine import definition_json
from ..core.routes.model import RouteVersion, StageSpec
from ..core.routes.select import people_of, route_content, route_for, version_of


class RouteRegistry:
    def __init__(self, *, config: DeskConfig, table, machines, clock: Clock):
        self.config = config
        self.table = table
        self.machines = machines
        self.clock = clock
        self._versions: dict[tuple[str, int], RouteVersion] = {}
        self._current: dict[str, RouteVersion] = {}
        self._lock = threading.Lock()

    def route_for(self, request: Request) -> RouteVersion | None:
        route = route_for(self.config, category=request.category, priority=request.priority,
                          facts=request.facts or {})
        return self.current(route) if route is not None else None

    def current(self, route_config) -> RouteVersion:
        """The version of the route's content as configured now, registered on first use."""
        with self._lock:
            if route_config.id in self._current:
                return self._current[route_config.id]
        digest, snapshot = route_content(route_config)
        while True:
            known = self.table.route_versions(route_config.id)
            match = next((v for v in known if v["hash"] == digest), None)
            if match is not None:
                version = version_of(snapshot, int(match["version"]), digest)
                break
            number = max((int(v["version"]) for v in known), default=0) + 1
            if self.table.add_route_version(route_config.id, number, digest, {**snapshot, "hash": digest},
                                            iso(self.clock.now())):
                version = version_of(snapshot, number, digest)
                break
        self.machines.ensure(version.name, version.hash, definition_json(version))
        with self._lock:
            self._current[route_config.id] = version
            self._versions[(version.name, version.version)] = version
        return version

    def version(self, name: str, number: int) -> RouteVersion | None:
        """A registered version as it was registered, whatever the config says now."""
        key = (name, number)
        if key not in self._versions:
            snapshot = self.table.route_version(name, number)
            if snapshot is None:
                return None
            self._versions[key] = version_of(snapshot, number, snapshot.get("hash", ""))
        return self._versions[key]

    def people(self, stage: StageSpec, request: Request) -> list[str]:
        return people_of(self.config, stage, assignee=request.assignee, department=request.department,
                         facts=request.facts or {})
