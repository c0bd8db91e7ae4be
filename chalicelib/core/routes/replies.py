"""A decision written as a reply to a task email: the first line is the decision, the rest the comment.
Pure."""
from __future__ import annotations

import re

WORDS = {
    "approve": ("approve", "approved", "i approve", "agreed", "yes", "ok", "okay",
                "согласовано", "согласую", "согласен", "согласна", "одобрено", "одобряю", "да",
                "同意", "批准", "通过", "已批准", "同意。"),
    "reject": ("reject", "rejected", "decline", "declined", "no", "not approved",
               "отклонено", "отклоняю", "не согласовано", "не согласен", "не согласна", "нет",
               "驳回", "拒绝", "不同意", "不批准", "駁回"),
    "read": ("read", "i have read", "have read", "acknowledged", "seen", "noted",
             "ознакомлен", "ознакомлена", "ознакомлены", "прочитано", "прочитал", "прочитала",
             "已阅", "已读", "知悉", "已閱"),
    "start": ("start", "started", "begin", "go", "начать", "начинаю", "приступаю", "в работу", "开始", "開始"),
    "answer": ("answer", "ответ", "答复", "答覆"),
}

_EDGE = re.compile(r"^[\s\"'«»“”„*_.,:;!?。！？，：；-]+|[\s\"'«»“”„*_.,:;!?。！？，：；-]+$")


def _normal(line: str) -> str:
    return re.sub(r"\s+", " ", _EDGE.sub("", line)).lower().replace("ё", "е")


_INDEX = {_normal(w): action for action, words in WORDS.items() for w in words}


def parse_decision(text: str, actions: tuple[str, ...]) -> tuple[str, str] | None:
    """(action, comment) when the first non-empty line is one of `actions`' words; None otherwise.

    A stage of kind 'investigate' takes any text as its answer: its people answer in words.
    """
    lines = (text or "").strip().split("\n")
    first, rest = (lines[0], "\n".join(lines[1:]).strip()) if lines else ("", "")
    action = _INDEX.get(_normal(first))
    if action in actions:
        return action, rest
    if "answer" in actions and (text or "").strip():
        return "answer", (text or "").strip()
    return None
