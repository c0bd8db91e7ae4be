"""Packaging ships the validated config beside the file, so a cold Lambda never imports pydantic for it."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chalicelib.core.config import load_config, snapshot_matches, snapshot_path
from devstack.package import PackageError, stage_vendor

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for folder in ("templates", "config"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def _staged(project: Path) -> tuple[Path, Path]:
    toml = project / "vendor" / "config" / "desk.toml"
    return toml, snapshot_path(toml)


def test_staging_writes_the_snapshot_of_the_staged_config(project):
    stage_vendor(project)

    toml, snapshot = _staged(project)
    assert toml.read_bytes() == (project / "config" / "desk.toml").read_bytes()
    assert snapshot_matches(snapshot.read_bytes(), toml.read_bytes())
    assert load_config(toml) == load_config(project / "config" / "desk.toml")


def test_staging_again_keeps_the_snapshot_bytes_so_the_package_cache_still_hits(project):
    stage_vendor(project)
    first = _staged(project)[1].read_bytes()

    stage_vendor(project)

    assert _staged(project)[1].read_bytes() == first


def test_an_edited_config_is_snapshotted_afresh(project):
    stage_vendor(project)
    source = project / "config" / "desk.toml"
    source.write_text(source.read_text(encoding="utf-8").replace('name = "Requestflow Desk"', 'name = "Kundendienst"'),
                      encoding="utf-8")

    stage_vendor(project)

    toml, snapshot = _staged(project)
    assert snapshot_matches(snapshot.read_bytes(), toml.read_bytes())
    assert load_config(toml).desk.name == "Kundendienst"


def test_a_snapshot_left_in_the_repository_config_is_never_staged(project):
    (project / "config" / "desk.toml.snapshot").write_bytes(b"left by an old bench run")

    stage_vendor(project)

    toml, snapshot = _staged(project)
    assert snapshot_matches(snapshot.read_bytes(), toml.read_bytes())


@pytest.mark.parametrize("old, new, field", [
    ('department = "sales"', 'department = "salez"', "staff[0].department: unknown department 'salez'"),
    ('ticket_prefix = "RF"', 'ticket_prefix = "rf"', "desk.ticket_prefix"),
    ('default_language = "en"', 'default_language = "de"', "desk.default_language: Input should be"),
])
def test_a_config_that_does_not_validate_is_not_packaged_and_the_field_is_named(project, old, new, field):
    source = project / "config" / "desk.toml"
    source.write_text(source.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")

    with pytest.raises(PackageError) as error:
        stage_vendor(project)
    assert "config/desk.toml does not validate" in str(error.value)
    assert field in str(error.value)
