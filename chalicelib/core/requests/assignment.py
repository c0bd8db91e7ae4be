"""Who gets a request: category → department → a person, round-robin or least-loaded."""
from __future__ import annotations

from chalicelib.core.config import DeskConfig, StaffMember
from chalicelib.core.mail.outbound import customer_language


def candidates(config: DeskConfig, category_id: str, language: str) -> list[StaffMember]:
    """Active staff of the category's department who speak the customer's language; when nobody does,
    those who speak the language the customer is answered in (English for a language without templates),
    and when nobody speaks that either, the whole department."""
    staff = config.staff_of(config.category(category_id).department)
    for wanted in dict.fromkeys((language, customer_language(language))):
        speakers = [s for s in staff if wanted in s.languages]
        if speakers:
            return speakers
    return staff


def pick_round_robin(people: list[StaffMember], turn: int) -> StaffMember:
    """`turn` is a per-department counter incremented atomically by the store."""
    return people[turn % len(people)]


def pick_least_loaded(people: list[StaffMember], open_counts: dict[str, int]) -> StaffMember:
    """The person with the fewest open requests; ties go to the one listed first in the config."""
    return min(people, key=lambda s: (open_counts.get(s.id, 0), people.index(s)))
