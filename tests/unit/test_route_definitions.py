"""The routes' state machine definitions in infra/routes/: sound graphs, and the ones the config makes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.core.config import load_config
from chalicelib.core.routes.machine import targets
from devstack import cli
from devstack.package import route_definitions, route_file_problems, write_route_files
from devstack.resources import ROUTES_DIR, TemplateError, route_files

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = ROOT / "config" / "desk.toml"
TERMINAL_TYPES = {"Succeed", "Fail"}

COMMITTED = route_files(ROUTES_DIR)


def _config_variant(tmp_path: Path, name: str, *replacements: tuple[str, str]) -> Path:
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


NEW_ROUTE = '''
[[routes]]
id = "refund_check"
title = { en = "Refund check", ru = "Проверка возврата", zh = "退款审核" }
categories = ["documents"]

[[routes.stages]]
id = "check"
kind = "approve"
name = { en = "Check the refund", ru = "Проверить возврат", zh = "审核退款" }
people = ["role:accountant"]
mode = "any"
due = { hours = 8 }
on_deadline = "reject"
'''

VARIANTS = {
    "longer_complaint_deadline": (('due = { days = 2 }\nremind = { days = 1 }\non_deadline = "escalate"',
                                   'due = { days = 3 }\nremind = { days = 1 }\non_deadline = "escalate"'),),
    "summary_rejection_ends_the_route": (('on_reject = "approve"', 'on_reject = "end"'),),
    "renamed_stage_in_russian": (("Ознакомление с результатами", "Ознакомление с итогами"),),
}


@pytest.fixture(params=sorted(VARIANTS))
def changed_config(request, tmp_path: Path) -> Path:
    return _config_variant(tmp_path, f"{request.param}.toml", *VARIANTS[request.param])


def _graph_problems(definition: dict) -> list[str]:
    states = definition["States"]
    problems = [f"StartAt {definition['StartAt']} is no state"] if definition["StartAt"] not in states else []
    edges = targets(definition)
    problems += [f"{source} → {target}: no such state" for source, target in edges if target not in states]
    problems += [f"{name}: neither Next, Default nor End" for name, state in states.items()
                 if state["Type"] not in TERMINAL_TYPES and not state.get("End")
                 and not any(source == name for source, _ in edges)]
    reached, todo = set(), [definition["StartAt"]]
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        todo += [target for source, target in edges if source == name]
    problems += [f"{name}: unreachable from {definition['StartAt']}" for name in states if name not in reached]
    return problems


def test_there_is_a_definition_file_for_every_configured_route():
    assert {route.route for route in COMMITTED} >= {route.id for route in load_config(DEFAULT_CONFIG).routes}


@pytest.mark.parametrize("route_file", COMMITTED, ids=[route.path.name for route in COMMITTED])
def test_every_target_of_a_committed_machine_exists_and_every_state_is_reachable(route_file):
    definition = json.loads(route_file.path.read_text(encoding="utf-8"))

    assert _graph_problems(definition) == []
    assert any(state["Type"] == "Succeed" for state in definition["States"].values())


def test_the_graph_check_notices_a_dangling_target_and_an_orphan_state():
    definition = json.loads(COMMITTED[0].path.read_text(encoding="utf-8"))
    first = definition["States"][definition["StartAt"]]
    first["Catch"][0]["Next"] = "Nowhere"
    definition["States"]["Orphan"] = {"Type": "Pass", "End": True}

    problems = _graph_problems(definition)

    assert any("Nowhere" in problem for problem in problems)
    assert f"Orphan: unreachable from {definition['StartAt']}" in problems


def test_a_route_without_rejection_has_no_not_approved_end():
    definitions = {route: json.loads(text) for route, text in route_definitions(load_config(DEFAULT_CONFIG)).values()}

    assert "NotApproved" not in definitions["complaint_investigation"]["States"]
    assert "NotApproved" in definitions["order_approval"]["States"]


def test_a_definition_is_the_same_whatever_number_its_version_gets():
    from chalicelib.core.routes.machine import definition_json
    from chalicelib.core.routes.select import route_content, version_of

    for route in load_config(DEFAULT_CONFIG).routes:
        digest, snapshot = route_content(route)
        texts = {definition_json(version_of(snapshot, number, digest)) for number in (1, 2, 17)}
        assert len(texts) == 1, route.id
        body = json.loads(texts.pop())["States"][f"Stage_{route.stages[0].id}"]["Parameters"]["MessageBody"]
        assert body["version.$"] == "$.version" and "version" not in body


def test_the_committed_definitions_are_the_ones_the_default_config_generates():
    config = load_config(DEFAULT_CONFIG)

    problems = route_file_problems(config, ROUTES_DIR)

    assert problems == [], "the config changed and nobody ran `./rf routes`:\n" + "\n".join(problems)
    for name, (_route, text) in route_definitions(config).items():
        assert (ROUTES_DIR / name).read_text(encoding="utf-8") == text


def test_a_changed_route_is_a_new_file_and_the_check_names_the_route(changed_config):
    config = load_config(changed_config)

    problems = route_file_problems(config, ROUTES_DIR)

    changed = [route.id for route in config.routes
               if not any(name.startswith(f"{route.id}.") and (ROUTES_DIR / name).is_file()
                          for name in route_definitions(config))]
    assert len(changed) == 1
    assert len(problems) == 1
    assert f"route {changed[0]}:" in problems[0] and "./rf routes" in problems[0]


def test_generated_machines_of_changed_routes_are_sound_graphs(changed_config, tmp_path):
    written = write_route_files(load_config(changed_config), tmp_path / "routes")

    assert written
    for path in written:
        assert _graph_problems(json.loads(path.read_text(encoding="utf-8"))) == [], path.name


def test_a_new_route_gets_its_own_file_and_a_sound_graph(tmp_path):
    config = load_config(_config_variant(tmp_path, "refunds.toml", ("[roles]", NEW_ROUTE + "\n[roles]")))
    folder = tmp_path / "routes"

    written = write_route_files(config, folder)

    assert sorted(path.name.split(".")[0] for path in written) == sorted(route.id for route in config.routes)
    refund = next(path for path in written if path.name.startswith("refund_check."))
    definition = json.loads(refund.read_text(encoding="utf-8"))
    assert _graph_problems(definition) == []
    assert definition["StartAt"] == "Stage_check"
    assert [route.route for route in route_files(folder)] == sorted(route.id for route in config.routes)


def test_writing_again_changes_no_file_even_one_that_differs(tmp_path):
    config = load_config(DEFAULT_CONFIG)
    folder = tmp_path / "routes"
    first = write_route_files(config, folder)
    edited = first[0]
    edited.write_text(edited.read_text(encoding="utf-8").replace("Stage_", "Step_"), encoding="utf-8")

    assert write_route_files(config, folder) == []

    assert "Step_" in edited.read_text(encoding="utf-8")
    problems = route_file_problems(config, folder)
    assert len(problems) == 1 and "differs" in problems[0] and edited.name in problems[0]


def test_a_file_not_named_after_a_route_version_is_refused(tmp_path):
    (tmp_path / "order approval.asl.json").write_text("{}", encoding="utf-8")

    with pytest.raises(TemplateError, match="not a route definition"):
        route_files(tmp_path)


def test_rf_routes_check_fails_naming_the_route_whose_config_changed(changed_config, capsys):
    assert cli.main(["routes", "--check", "--config", str(changed_config)]) == 1

    err = capsys.readouterr().err
    config = load_config(changed_config)
    missing = [route.id for route in config.routes if f"route {route.id}:" in err]
    assert len(missing) == 1 and "./rf routes" in err


def test_rf_routes_check_passes_for_the_default_config(capsys):
    assert cli.main(["routes", "--check"]) == 0
    assert "every configured route" in capsys.readouterr().out


def test_an_overdue_stage_is_escalated_to_someone_who_is_not_late_themselves():
    from chalicelib.core.config import load_config
    from chalicelib.core.routes.mail import escalation_recipient
    from chalicelib.settings import DEFAULT_CONFIG

    config = load_config(DEFAULT_CONFIG)
    manager = config.department("sales").manager
    director = config.roles["director"][0]
    assert escalation_recipient(config, "sales", ["maria"]) == manager
    assert escalation_recipient(config, "sales", ["maria", manager]) == director
    assert escalation_recipient(config, "sales", [manager, director]) == manager
