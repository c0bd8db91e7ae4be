"""Every message of the sample corpus gets what its manifest says, through the inbound path."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
ENTRIES = {e["file"]: e for e in MANIFEST if e.get("file")}
DESK = "desk@requestflow.example"


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _ids(kind: str) -> list[str]:
    return [name for name, e in ENTRIES.items() if e["kind"] == kind]


def _check_content(outcome, expect: dict) -> None:
    if expect.get("language"):
        assert outcome.language == expect["language"]
    if expect.get("subject_contains"):
        assert expect["subject_contains"] in outcome.subject
    for piece in expect.get("text_contains") or []:
        assert piece in outcome.text
    for piece in expect.get("text_not_contains") or []:
        assert piece not in outcome.text
    wanted = sorted((a["filename"], a["content_type"]) for a in expect.get("attachments") or [])
    if wanted:
        assert sorted((a["filename"], a["content_type"]) for a in outcome.attachments) == wanted


@pytest.mark.parametrize("name", _ids("new"))
def test_a_new_request_is_created_classified_and_acknowledged(desk, name):
    expect = ENTRIES[name]["expect"]
    outcome = desk.receive((CORPUS / name).read_bytes())
    assert outcome.outcome == "created"
    _check_content(outcome, expect)
    assert outcome.category == expect["topic"]
    assert (outcome.priority == "urgent") == bool(expect["urgent"])
    request = desk.service.table.get_request(outcome.request_id)
    acks = [m for m in desk.sent() if m["message_id"] == outcome.ack_message_id]
    assert len(acks) == 1 and acks[0]["to"] == [request.customer_email]
    assert f"[#{outcome.ticket}]" in acks[0]["subject"] and outcome.ticket in acks[0]["text"]
    assert acks[0]["message"]["Reply-To"] == outcome.reply_to
    assignee = desk.service.config.staff_member(outcome.assignee)
    assert desk.sent_to(str(assignee.email)), "the assignee is told about the new request"


@pytest.mark.parametrize("name", _ids("reply"))
def test_a_reply_is_threaded_into_its_request_with_the_quote_removed(desk, name):
    entry = ENTRIES[name]
    expect = entry["expect"]
    original = desk.receive((CORPUS / expect["reply_to_file"]).read_bytes())
    assert original.outcome == "created"
    raw = (CORPUS / name).read_bytes()
    for placeholder, value in (("{{ticket}}", original.ticket), ("{{ack_message_id}}", original.ack_message_id),
                               ("{{reply_to}}", original.reply_to)):
        raw = raw.replace(placeholder.encode(), value.encode())
    sent_before = len(desk.sent())
    recipients = [original.reply_to] if "reply_to_address" in expect.get("thread_by", []) else [DESK]
    outcome = desk.receive(raw, recipients)
    assert outcome.outcome == "threaded"
    assert outcome.request_id == original.request_id
    assert _collapse(outcome.text) == _collapse(expect["new_text"])
    _check_content(outcome, expect)
    customer = desk.service.table.get_request(original.request_id).customer_email
    new_mail = desk.sent()[sent_before:]
    assert not [m for m in new_mail if customer in m["to"]], "a customer's reply gets no second acknowledgement"
    assignee = str(desk.service.config.staff_member(outcome.assignee).email)
    [told] = [m for m in new_mail if assignee in m["to"]]
    assert any(words in told["text"] for words in ("wrote again", "снова написал", "再次来信"))
    messages = desk.service.table.messages(original.request_id)
    assert any(m["direction"] == "in" and m["kind"] == "reply" for m in messages)


@pytest.mark.parametrize("name", _ids("no_request"))
def test_auto_replies_bounces_lists_and_loops_never_become_requests_or_get_answers(desk, name):
    expect = ENTRIES[name]["expect"]
    outcome = desk.receive((CORPUS / name).read_bytes())
    assert outcome.outcome == expect["outcome"]
    assert outcome.reason in [expect["reason"], *(expect.get("reason_also_ok") or [])]
    assert outcome.request_id is None
    assert desk.sent() == []
    record = desk.service.table.inbound_record(outcome.raw_key)
    assert record["outcome"] == expect["outcome"], "the raw message is kept and its fate recorded"


@pytest.mark.parametrize("name", _ids("malformed"))
def test_malformed_mail_never_crashes_and_is_never_lost(desk, name):
    entry = ENTRIES[name]
    expect = entry["expect"]
    outcome = desk.receive((CORPUS / name).read_bytes())
    allowed = {"created", "quarantined"} if expect["outcome"] == "created_or_quarantined" else {expect["outcome"]}
    assert outcome.outcome in allowed
    if expect.get("preferred_outcome"):
        assert outcome.outcome == expect["preferred_outcome"]
    if outcome.outcome == "quarantined":
        assert outcome.reason == expect["reason"]
    else:
        _check_content(outcome, expect)
        if expect.get("topic"):
            assert outcome.category == expect["topic"]
    assert desk.service.table.inbound_record(outcome.raw_key) is not None
    assert desk.s3.head_object(Bucket=desk.resources.bucket, Key=outcome.raw_key)["ContentLength"] >= 0
    for mail in desk.sent():
        if "injected_recipient" in entry["expect"]:
            assert entry["expect"]["injected_recipient"] not in mail["to"]
            assert entry["expect"]["injected_recipient"].encode() not in mail["raw"].split(b"\r\n\r\n")[0]
        for probe in ("<script>", "<img src=x"):
            assert probe not in (mail["html"] or "")


def test_a_message_over_the_size_limit_is_quarantined_unread_and_kept(desk):
    spec = next(e for e in MANIFEST if e.get("file") is None)["generate"]
    base = (CORPUS / spec["base_file"]).read_bytes()
    boundary = re.search(rb'boundary="?([^";\r\n]+)', base).group(1)
    head = base.rsplit(b"--" + boundary + b"--", 1)[0]
    part = (b"--" + boundary + b'\r\nContent-Type: application/octet-stream; name="scan.tif"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n")
    tail = b"\r\n--" + boundary + b"--\r\n"
    line = b"A" * 76 + b"\r\n"
    fill = spec["size_bytes"] - len(head) - len(part) - len(tail)
    raw = head + part + line * (fill // len(line)) + b"A" * (fill % len(line)) + tail
    assert len(raw) == spec["size_bytes"]

    class CountingStore:
        """The real store, but counting full reads: a too-large message must never be read whole."""
        def __init__(self, inner):
            self.inner, self.reads = inner, 0

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def read(self, key):
            self.reads += 1
            return self.inner.read(key)

    store = CountingStore(desk.service.store)
    desk.service.store = store
    outcome = desk.receive(raw)
    assert (outcome.outcome, outcome.reason) == ("quarantined", "too_large")
    assert store.reads == 0
    assert desk.s3.head_object(Bucket=desk.resources.bucket, Key=outcome.raw_key)["ContentLength"] == len(raw)
    assert desk.service.table.quarantined()[0]["reason"] == "too_large"
