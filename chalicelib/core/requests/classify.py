"""Category, priority and missing facts of a request, by the rules in the desk config."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from chalicelib.core.config import Category, DeskConfig, Words


@dataclass(frozen=True)
class Classification:
    category: str
    priority: str
    """'urgent' or 'normal'."""
    missing_facts: tuple[str, ...] = ()
    """Ids of the category's required facts the text does not give."""
    facts: dict[str, str] = field(default_factory=dict)
    """The required facts the text does give: id → the customer's sentence stating it."""


CLASSIFY_CHARS = 8000
"""Only the start of a long message is read for keywords: what a request is about comes first."""


@lru_cache(maxsize=1024)
def _anywhere(stem: str) -> bool:
    """Chinese words and punctuation match anywhere; other stems only at the start of a word."""
    return any("\u3000" <= ch <= "\uffef" for ch in stem) or not any(ch.isalnum() for ch in stem)


def _found(stem: str, text: str) -> bool:
    """`stem` (lower-case) occurs in `text` (lower-cased) where a word starts."""
    return next(_positions(stem, text), -1) >= 0


def _count(words: tuple[str, ...], text: str) -> int:
    """How many of `words` occur; the C-level `in` test filters first, so absent words cost little."""
    return sum(1 for word in filter(text.__contains__, words) if _found(word, text))


_SUBJECT_PREFIX = re.compile(r"^(?:\s*(?:re|fwd?|aw|sv|ответ|回复|答复)\s*[:：]|\s*\[#[^\]]*\])*\s*", re.IGNORECASE)


_REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|sv|vs|antw|ответ|回复|答复)\s*[:：]", re.IGNORECASE)


def _score(category: Category, subject: str, body: str) -> float:
    """Subject hits count double (once in a reply); a keyword opening the subject ("Жалоба: …", "投诉：…")
    counts double again.
    The sum is scaled by the category's weight (a complaint about an order is a complaint)."""
    words = category.keywords.stems
    # "Re: Order 889" names what the thread was about, not what this message is: its subject counts
    # once and gets no opening bonus.
    reply = bool(_REPLY_PREFIX.match(subject))
    opening = "" if reply else _SUBJECT_PREFIX.sub("", subject)[:40]
    leads = sum(map(opening.startswith, words))
    return category.weight * ((1 if reply else 2) * _count(words, subject) + _count(words, body) + 2 * leads)


def _positions(stem: str, text: str):
    """Where `stem` (lower-case) starts a word in `text`; plain `find`, no regex (fast on long text)."""
    start = text.find(stem)
    while start >= 0:
        if _anywhere(stem) or start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_"):
            yield start
        start = text.find(stem, start + 1)


_CLAUSE_END = re.compile(r".*[.,;:!?\n]", re.DOTALL)
_WORDS = re.compile(r"\w+")
_NEGATION_REACH = 2
"""Words between a negation and what it negates: "not urgent", "nicht so dringend", "no es urgente"."""


def _negated(text: str, at: int, negations: tuple[str, ...]) -> bool:
    """A negation word among the two words before the match, in the same clause: "not urgent", "non-urgent",
    "не срочно", "no es urgente", "n'est pas urgent"; Chinese negations right before it ("不急")."""
    start = max(0, at - 40)
    before = text[start:at].lower()
    clause = _CLAUSE_END.sub("", before)
    words = _WORDS.findall(clause)
    if start and clause == before and words and before[0].isalnum():
        words = words[1:]  # cut off by the window: not a whole word
    near = words[-_NEGATION_REACH:]
    tail = before.rstrip(" -\t")
    for word in negations:
        if word in near or (_anywhere(word) and tail.endswith(word)):
            return True
    return False


def is_urgent(words: Words, subject: str, body: str, headers: dict[str, list[str]] | None = None,
              use_headers: bool = True, negations: Words | None = None) -> bool:
    """An urgent word not negated, or (with `use_headers`) Importance: high, Priority: urgent, X-Priority 1-2."""
    text = f"{subject}\n{body}".lower()
    negating = negations.stems if negations else ()
    for word in words.stems:
        if any(not _negated(text, at, negating) for at in _positions(word, text)):
            return True
    if use_headers and headers:
        def values(name: str) -> list[str]:
            return [v.strip().lower() for v in headers.get(name, [])]

        if "high" in values("importance") or "urgent" in values("priority"):
            return True
        if any(v[:1] in {"1", "2"} for v in values("x-priority")):
            return True
    return False


FACT_CHARS = 4000
"""Required facts are looked for at the start of a message, where customers state them."""


def missing_facts(category: Category, text: str, given: set[str] = frozenset()) -> tuple[str, ...]:
    text = text[:FACT_CHARS]
    missing = []
    for fact in category.required_facts:
        if fact.id in given:
            continue
        if not fact.found(text):
            missing.append(fact.id)
    return tuple(missing)


_SENTENCE_END = re.compile(r"[.!?;\n。！？；]")


def stated_facts(category: Category, text: str, given: set[str] = frozenset(), limit: int = 160) -> dict[str, str]:
    """The required facts `text` states, each as the sentence that states it ("15 pallets a month"),
    so staff and route conditions see the customer's own words."""
    text = text[:FACT_CHARS]
    facts = {}
    for fact in category.required_facts:
        if fact.id in given or (at := fact.position(text)) is None:
            continue
        start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, at)), default=0)
        end = _SENTENCE_END.search(text, at)
        sentence = " ".join(text[start:end.start() if end else len(text)].split())
        if len(sentence) > limit:
            sentence = sentence[:limit - 1].rstrip() + "…"
        if sentence:
            facts[fact.id] = sentence
    return facts


def classify(config: DeskConfig, subject: str, body: str, *, headers: dict[str, list[str]] | None = None,
             category_hint: str | None = None, given_facts: set[str] = frozenset()) -> Classification:
    """Pick the category with the most keyword hits (subject counts double; ties go to the earlier one).

    A valid `category_hint` (the form's category field) wins over keywords.
    """
    subject, body = (subject or "")[:CLASSIFY_CHARS], (body or "")[:CLASSIFY_CHARS]
    subject_l, body_l = subject.lower(), body.lower()
    ids = {c.id for c in config.categories}
    if category_hint in ids:
        chosen = config.category(category_hint)
    else:
        best, best_score = config.category(config.default_category), 0
        for category in config.categories:
            score = _score(category, subject_l, body_l)
            if score > best_score:
                best, best_score = category, score
        chosen = best
    urgent = is_urgent(config.priority.urgent_words, subject_l, body_l, headers, config.priority.urgent_headers,
                       config.priority.negations)
    stated = stated_facts(chosen, f"{subject}\n{body}", set(given_facts))
    return Classification(
        category=chosen.id,
        priority="urgent" if urgent else "normal",
        missing_facts=tuple(f.id for f in chosen.required_facts if f.id not in given_facts and f.id not in stated),
        facts=stated,
    )
