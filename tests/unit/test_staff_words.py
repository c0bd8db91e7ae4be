"""Staff pages name every status, event and kind of message in the reader's language, never by code."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from chalicelib.core.pages import texts
from chalicelib.core.requests.lifecycle import STATUSES

CODE = Path(__file__).resolve().parents[2] / "chalicelib"


def _emitted_events() -> set[str]:
    """Every event type the code writes: add_event's fourth argument, and intake's (type, fields) list."""
    found = set()
    for path in CODE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "add_event" and len(node.args) > 3 \
                    and isinstance(node.args[3], ast.Constant) and isinstance(node.args[3].value, str):
                found.add(node.args[3].value)
            elif "service" in path.parts and isinstance(node, ast.Tuple) and len(node.elts) == 2 \
                    and isinstance(node.elts[0], ast.Constant) and isinstance(node.elts[0].value, str) \
                    and isinstance(node.elts[1], ast.Dict) and re.fullmatch(r"[a-z_]+", node.elts[0].value):
                found.add(node.elts[0].value)
    return found


def _mail_kinds() -> set[str]:
    return {kind for path in CODE.rglob("*.py")
            for kind in re.findall(r'\bkind="([a-z_]+)"', path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("lang", ["en", "ru", "zh"])
def test_every_status_has_a_word_in_each_language(lang):
    assert [s for s in STATUSES if not texts.STATUS.get(s, {}).get(lang)] == []


@pytest.mark.parametrize("lang", ["en", "ru", "zh"])
def test_every_event_the_desk_writes_has_a_word_in_each_language(lang):
    events = _emitted_events()
    assert {"received", "stage_decided", "route_finished"} <= events, "the scan finds the desk's events"
    assert sorted(e for e in events if not texts.EVENT.get(e, {}).get(lang)) == []


@pytest.mark.parametrize("lang", ["en", "ru", "zh"])
def test_every_kind_of_mail_the_desk_sends_has_a_word_in_each_language(lang):
    kinds = _mail_kinds() - {"signin"}
    assert {"ack", "task", "escalation"} <= kinds
    assert sorted(k for k in kinds if not texts.KIND.get(k, {}).get(lang)) == []
