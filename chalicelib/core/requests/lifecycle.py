"""A request's status lifecycle and the commands staff put on the first line of a reply. Pure.

new (nobody answered) → waiting_customer (staff answered) ⇄ open (the customer wrote again, our turn)
→ resolved (#resolve; a customer message reopens it) → closed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

ROUTE_STATUSES = ("in_approval", "approved", "not_approved", "completed", "in_execution")
"""While an approval route runs and after it ended: the process's state is the request's status."""
STATUSES = ("new", "open", "waiting_customer", *ROUTE_STATUSES, "resolved", "closed")
OPEN_STATUSES = ("new", "open", "waiting_customer", *ROUTE_STATUSES)
CONVERSATION_STATUSES = ("new", "open", "waiting_customer")
"""Where a route may start (or restart, from its results)."""

COMMANDS = ("resolve", "note", "assign", "reply")


def after_customer_message(status: str) -> str:
    """The customer wrote again: we owe them an answer (a request nobody answered yet stays new)."""
    return "open" if status in ("waiting_customer", "resolved") else status


def after_route_start(status: str) -> str:
    return "in_approval"


def after_staff_answer(status: str, resolve: bool) -> str:
    """Staff sent an answer (and with #resolve, resolved the request). A closed request stays closed."""
    if status == "closed":
        return status
    if resolve:
        return "resolved"
    return status if status in ROUTE_STATUSES else "waiting_customer"


@dataclass(frozen=True)
class StaffReply:
    """What a staff member's reply asks the desk to do."""
    command: str | None
    """None (send the text as the answer), 'resolve', 'note', 'assign', 'reply', or 'unknown'."""
    argument: str
    """The rest of the command line: whom to assign to; the standard reply's name; the unknown command's name."""
    body: str
    """The text after the command line (the answer, the note; with `#reply`, the words before the standard text)."""
    resolve: bool = False
    """`#reply <name> #resolve`, or `#reply` and `#resolve` on the first two lines: send and resolve."""


_COMMAND_LINE = re.compile(r"^[ \t]*#([^\W\d_][\w-]*)[ \t]*(.*)$", re.UNICODE)


def parse_staff_reply(text: str) -> StaffReply:
    """`#resolve`, `#note`, `#assign <person>` on the first non-empty line; anything else is the answer.

    A first line such as "#1 priority for us" is not a command: only a word right after '#' is, and
    unknown words are reported back to the sender instead of reaching the customer.
    """
    lines = (text or "").strip("\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return StaffReply(None, "", "")
    match = _COMMAND_LINE.match(lines[0])
    if not match:
        return StaffReply(None, "", "\n".join(lines).strip())
    word, rest = match.group(1).lower(), match.group(2).strip()
    body = "\n".join(lines[1:]).strip()
    if word in ("reply", "resolve"):
        combined = _standard_reply(word, rest, body)
        if combined is not None:
            return combined
    if word in COMMANDS:
        if word != "assign" and rest:
            body = f"{rest}\n{body}".strip()
            rest = ""
        return StaffReply(word, rest, body)
    return StaffReply("unknown", word, body)


def _standard_reply(word: str, rest: str, body: str) -> StaffReply | None:
    """`#reply <name> [#resolve] [words]`, optionally with `#resolve` on the line before or after it.

    None for a `#resolve` that is not followed by a `#reply` line (an ordinary resolve)."""
    if word == "resolve":
        if rest:
            return None
        following = parse_staff_reply(body)
        if following.command != "reply":
            return None
        return StaffReply("reply", following.argument, following.body, resolve=True)
    name, words = (rest.split(None, 1) + ["", ""])[:2]
    words = words.strip()
    resolve = False
    flag = re.match(r"#resolve\b[ \t]*", words, re.IGNORECASE)
    if flag:
        resolve, words = True, words[flag.end():]
    if not resolve:
        after = body.split("\n", 1)
        if after[0].strip().lower() == "#resolve":
            resolve, body = True, (after[1] if len(after) > 1 else "").strip()
    return StaffReply("reply", name.strip().lower(), f"{words}\n{body}".strip(), resolve=resolve)


def staff_member_named(config, name: str):
    """The staff member a `#assign` argument names: id, address or full name, case-insensitive."""
    wanted = (name or "").strip().strip("<>").lower()
    if not wanted:
        return None
    for member in config.staff:
        if wanted in (member.id.lower(), str(member.email).lower(), member.name.lower()):
            return member
    matches = [m for m in config.staff if m.name.lower().split()[0] == wanted]
    return matches[0] if len(matches) == 1 else None
