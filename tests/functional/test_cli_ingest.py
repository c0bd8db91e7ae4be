"""`./rf ingest`: feeding raw mail to a running desk (--to) or to an embedded one of its own."""
from __future__ import annotations

import json
import socket
import urllib.request

import pytest

from devstack.cli import main
from devstack.server import DeskServer
from devstack.stack import EmbeddedStack, free_port

from .test_mail_intake import CORPUS

RUSSIAN_ORDER = CORPUS / "new_02_ru_utf8_8bit_roundcube_order_2t.eml"
ENGLISH_DOCUMENTS = CORPUS / "new_27_en_apple_qp_documents_auto_submitted_no.eml"


@pytest.fixture(scope="module")
def desk_url():
    from chalicelib import observability

    # The desk's logger keeps the stdout it first sees: made here, it is not a test's capsys stream.
    observability.logger()
    port = free_port()
    stack = EmbeddedStack(time_scale=3600, public_url=f"http://127.0.0.1:{port}", prefix="rfcli").start()
    server = DeskServer(stack, port).start_background()
    try:
        yield server.url
    finally:
        server.stop()
        stack.stop()
        from chalicelib import composition

        composition.install(None)


def _outbox(url: str) -> list[dict]:
    with urllib.request.urlopen(f"{url}/_local/outbox", timeout=30) as response:
        return json.loads(response.read())


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ingest_to_a_running_desk_creates_the_request_there_and_prints_its_ticket(desk_url, capsys):
    assert main(["ingest", "--to", desk_url, str(RUSSIAN_ORDER)]) == 0
    line = capsys.readouterr().out.strip()
    name, outcome, ticket = line.split()
    assert name == RUSSIAN_ORDER.name + ":" and outcome == "created" and ticket.startswith("RF-")
    assert any(ticket in mail["subject"] for mail in _outbox(desk_url))


def test_ingest_to_with_json_prints_one_outcome_line_per_file(desk_url, capsys):
    assert main(["ingest", "--json", "--to", desk_url + "/", str(ENGLISH_DOCUMENTS), str(RUSSIAN_ORDER)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["file"] for line in lines] == [ENGLISH_DOCUMENTS.name, RUSSIAN_ORDER.name]
    assert lines[0]["outcome"] == "created" and lines[0]["language"] == "en"
    assert lines[1]["duplicate"] is True


def test_a_url_without_a_scheme_is_taken_as_http(desk_url, capsys):
    assert main(["ingest", "--to", desk_url.removeprefix("http://"), str(ENGLISH_DOCUMENTS)]) == 0
    assert capsys.readouterr().out.startswith(ENGLISH_DOCUMENTS.name + ":")


def test_a_file_that_cannot_be_read_fails_the_command_but_the_others_are_fed(desk_url, capsys, tmp_path):
    missing = tmp_path / "nowhere.eml"
    assert main(["ingest", "--to", desk_url, str(missing), str(RUSSIAN_ORDER)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("nowhere.eml: error") and out[1].startswith(RUSSIAN_ORDER.name + ":")


@pytest.mark.parametrize("url", [lambda: f"http://127.0.0.1:{_closed_port()}", lambda: "http://[::1"])
def test_a_desk_that_is_not_there_is_a_clear_error_and_a_failure(capsys, url):
    target = url()
    assert main(["ingest", "--to", target, str(RUSSIAN_ORDER)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert target in captured.err and "./rf serve" in captured.err


def test_a_server_that_is_not_a_desk_answers_an_error_outcome(desk_url, capsys):
    assert main(["ingest", "--json", "--to", desk_url + "/nothing-here", str(RUSSIAN_ORDER)]) == 1
    [line] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert line["outcome"] == "error" and "404" in line["reason"]


def test_the_help_says_that_without_to_the_desk_is_embedded_and_stops_with_the_command(capsys):
    with pytest.raises(SystemExit):
        main(["ingest", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--to URL" in text and "embedded desk" in text and "stops when it ends" in text


def test_export_on_its_own_embedded_desk_says_that_desk_is_new_and_how_to_read_a_running_one(capsys):
    assert main(["export", "events"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "new embedded desk" in err and "--to http://127.0.0.1:8000" in err and "./rf simulate" in err
