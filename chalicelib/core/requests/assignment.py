"""Who gets a request: category → department → a person, round-robin or least-loaded."""
from __future__ import annotations

from chalicelib.core.config import DeskConfig, StaffMember


def candidates(config: DeskConfig, category_id: str, language: str) -> list[StaffMember]:
    """Active staff of the category's department; those who speak the customer's language first."""
    department = config.category(category_id).department
    staff = config.staff_of(department)
    speakers = [s for s in staff if language in s.languages]
    return speakers or staff


def pick_round_robin(people: list[StaffMember], turn: int) -> StaffMember:
    """`turn` is a per-department counter incremented atomically by the store."""
    return people[turn % len(people)]


def pick_least_loaded(people: list[StaffMember], open_counts: dict[str, int]) -> StaffMember:
    """The person with the fewest open requests; ties go to the one listed first in the config."""
    return min(people, key=lambda s: (open_counts.get(s.id, 0), people.index(s)))
