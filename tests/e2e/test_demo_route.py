"""`./rf demo` runs one order through its approval route and says where to click: the printed links
are the ones in the approvers' task mail, and a browser opening one gets the confirmation page."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from devstack.stack import SAMPLE_MAIL, free_port

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "TZ": "UTC", "PYTHONUNBUFFERED": "1"}
ROUTE_LINE = ("route:  order_approval v1: Approve the order → Summarize the approval → "
              "Acknowledge the results → Start execution")


def _links(out: str, port: int) -> list[tuple[str, str, str]]:
    """(person's name, action, URL) of every printed action link."""
    return re.findall(rf"^  (\S.*?)\s+(approve|reject)\s+(http://127\.0\.0\.1:{port}/act/\S+)$", out, re.M)


def _ticket(out: str) -> str:
    return re.search(r"One order through its approval route: (RF-\d{4}-\d{4}) ", out).group(1)


def test_rf_demo_once_prints_the_order_its_route_and_where_to_click_then_exits():
    port = free_port()
    result = subprocess.run([str(ROOT / "rf"), "demo", "--once", "--route-demo", "--port", str(port)],
                            cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    ticket = _ticket(out)
    assert ROUTE_LINE in out
    links = _links(out, port)
    assert sorted({name for name, _, _ in links}) == ["Maria Kuznetsova", "Olga Smirnova"]
    assert sorted(action for _, action, _ in links) == ["approve", "approve", "reject", "reject"]
    assert f"request JSON:  http://127.0.0.1:{port}/_local/requests/{ticket}" in out
    assert f"outbox:        http://127.0.0.1:{port}/_local/outbox.html" in out
    walked = re.findall(r"^  (Approve the order|Summarize the approval|Acknowledge the results|Start execution)"
                        r" \(cycle 1\): .* → request (\w+)$", out, re.M)
    assert walked == [("Approve the order", "in_approval"), ("Summarize the approval", "approved"),
                      ("Acknowledge the results", "approved"), ("Start execution", "in_execution")]
    assert "route ended: approved; request in_execution" in out
    assert out.rstrip().splitlines()[-1].startswith("--once: stopped after the feed")


@pytest.fixture
def serving_demo(tmp_path):
    """`./rf demo` serving, fed one sample email (its feed is not what is tested): (URL, printed lines)."""
    corpus = tmp_path / "mail"
    corpus.mkdir()
    entry = json.loads((SAMPLE_MAIL / "manifest.json").read_text(encoding="utf-8"))[0]
    shutil.copy(SAMPLE_MAIL / entry["file"], corpus)
    (corpus / "manifest.json").write_text(json.dumps([entry]), encoding="utf-8")
    port = free_port()
    log = tmp_path / "demo.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([str(ROOT / "rf"), "demo", "--port", str(port), "--corpus", str(corpus)], cwd=ROOT,
                                env=ENV, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while "serving until Ctrl-C" not in (out := log.read_text(encoding="utf-8", errors="replace")):
            assert proc.poll() is None and time.monotonic() < deadline, out
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", out
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def test_a_printed_approve_link_opens_its_confirmation_page_and_confirming_decides_the_task(serving_demo, page):
    url, out = serving_demo
    ticket = _ticket(out)
    name, _, link = next(link for link in _links(out, int(url.rsplit(":", 1)[1])) if link[1] == "approve")
    page.goto(link)
    expect(page.locator("form[method=post] button[type=submit]")).to_be_visible()
    assert ticket in page.content()
    page.locator("form[method=post] button[type=submit]").click()
    page.wait_for_load_state()
    with urllib.request.urlopen(f"{url}/_local/requests/{ticket}", timeout=10) as answer:
        request = json.loads(answer.read())
    decided = [t for t in request["tasks"] if t["state"] == "done"]
    assert [(t["stage"], t["decision"]) for t in decided] == [("approve", "approve")]
    assert request["route"]["stages"][0]["decided_by"] == [name]
    assert page.dialogs == []
