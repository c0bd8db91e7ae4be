"""A broken route in the desk's configuration stops `./rf serve` before it starts, naming the field."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from chalicelib.settings import DEFAULT_CONFIG
from devstack.stack import ROOT, free_port

from .test_routes_flow import edit_stage

BROKEN = {
    "unknown staff": (("order_approval", "approve", {"people": '["department_manager", "staff:boris"]'}),
                      ["routes[0].stages[0].people[1]", "boris"]),
    "rejection to a later stage": (("order_approval", "approve", {"on_reject": '"summarize"'}),
                                   ["routes[0].stages[0].on_reject", "summarize", "earlier"]),
}


def serve(config: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RF_")}
    return subprocess.Popen([str(ROOT / "rf"), "serve", "--config", str(config), "--port", str(free_port())],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def refusals(tmp_path_factory):
    """Each broken config served at once (they start in parallel): (exit code, stdout, stderr)."""
    base = Path(DEFAULT_CONFIG).read_text(encoding="utf-8")
    folder = tmp_path_factory.mktemp("broken")
    started = {}
    for case, ((route, stage, lines), _) in BROKEN.items():
        path = folder / f"{case.replace(' ', '_')}.toml"
        path.write_text(edit_stage(base, route, stage, **lines), encoding="utf-8")
        started[case] = serve(path)
    out = {}
    for case, process in started.items():
        try:
            stdout, stderr = process.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
            out[case] = (None, stdout, stderr)
            continue
        out[case] = (process.returncode, stdout, stderr)
    return out


@pytest.mark.parametrize("case", list(BROKEN))
def test_rf_serve_refuses_a_broken_route_and_names_the_field(refusals, case):
    code, stdout, stderr = refusals[case]
    assert code == 2, (stdout, stderr)
    assert "requestflow desk on" not in stdout
    assert "configuration is invalid" in stderr
    for word in BROKEN[case][1]:
        assert word in stderr, stderr
