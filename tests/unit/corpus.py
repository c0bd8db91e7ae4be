"""The sample inbound-mail corpus (tests/fixtures/mail): manifest entries and raw bytes (templates filled in)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

TICKET = "RF-2611-0042"
ACK_MESSAGE_ID = "<ack.1@requestflow.example>"
REPLY_TO = "desk+r.abc.sig@requestflow.example"
DESK = "desk@requestflow.example"

TEMPLATE_VALUES = {
    b"{{ticket}}": TICKET.encode(),
    b"{{ack_message_id}}": ACK_MESSAGE_ID.encode(),
    b"{{reply_to}}": REPLY_TO.encode(),
}


def corpus_dir() -> Path:
    """The sample mail inside the repository: tests/fixtures/mail."""
    return Path(__file__).resolve().parents[1] / "fixtures" / "mail"


@lru_cache(maxsize=1)
def manifest() -> list[dict[str, Any]]:
    """Every manifest entry; raises (failing collection loudly) when the corpus is missing."""
    path = corpus_dir() / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"inbound mail corpus not found at {path}"
        )
    entries = json.loads(path.read_text(encoding="utf-8"))
    if not entries:
        raise ValueError(f"{path} lists no cases")
    return entries


def entries(*kinds: str) -> list[dict[str, Any]]:
    """Entries backed by a file, optionally only of the given kinds (new, reply, no_request, malformed)."""
    return [e for e in manifest() if e.get("file") and (not kinds or e["kind"] in kinds)]


def entry(file: str) -> dict[str, Any]:
    return next(e for e in manifest() if e.get("file") == file)


def raw(file_or_entry: str | dict[str, Any]) -> bytes:
    """Raw bytes of a case, with reply-template placeholders replaced."""
    file = file_or_entry if isinstance(file_or_entry, str) else file_or_entry["file"]
    data = (corpus_dir() / file).read_bytes()
    for placeholder, value in TEMPLATE_VALUES.items():
        data = data.replace(placeholder, value)
    return data


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [e["file"].removesuffix(".eml") for e in items]


def collapse(text: str) -> str:
    return " ".join(text.split())
