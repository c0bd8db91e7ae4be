"""Build the deployable artefacts: the Lambda package and the merged SAM template, then check them.

    python -m devstack.package [--check] [--out build/packaged] [--project-dir DIR]

1. Stages templates/ and config/ into vendor/ (generated, git-ignored). Chalice copies vendor/ to
   the package root beside chalicelib/, so ``<root>/templates`` and ``<root>/config`` resolve the
   same way in the repository and on Lambda. It validates config/desk.toml and writes its snapshot
   (``vendor/config/desk.toml.snapshot``, see chalicelib/core/config.py), so a cold Lambda loads the
   config without importing pydantic, and a config that does not validate is never packaged.
2. Runs ``chalice package --merge-template`` with infra/template.yaml plus a state machine per route
   definition in infra/routes/ (see ``merge_template``). With a YAML merge template chalice writes
   ``sam.yaml``. Its wheel cache is ``.chalice/deployments/<hash>.zip``, keyed on
   requirements.txt, app.py, chalicelib/ and vendor/: any code change rebuilds the package.
3. Verifies the output: app, templates, config and every pinned requirement in deployment.zip; the
   stack's resources and the functions' environment in the template, a machine for every route of
   the packaged config. ``--check`` also runs cfn-lint.

The route definitions are generated from the config by ``write_route_files`` (`./rf routes`) and
committed: a file is named after its route's content hash and never rewritten, since a deployed
machine keeps its definition while requests run on it.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from chalicelib.core.config import ConfigError, DeskConfig, load_config, snapshot_matches, snapshot_path, write_snapshot
from chalicelib.core.routes.machine import definition_json
from chalicelib.core.routes.select import route_content, version_of

from .resources import (ROUTE_MACHINE_ROLE, ROUTE_MACHINE_SUBSTITUTIONS, ROUTES_DIR, RouteFile, TemplateError,
                        load_template, route_file_name, route_files)

ROOT = Path(__file__).resolve().parents[1]
MERGE_TEMPLATE = Path("infra") / "template.yaml"
STAGED_DIRS = ("templates", "config")
STAGE = "dev"
OUTPUTS = ("deployment.zip", "sam.yaml", "sam.json")
CONFIG_FILE = "config/desk.toml"
CONFIG_SNAPSHOT = snapshot_path(CONFIG_FILE).as_posix()
SNAPSHOT_SUFFIX = CONFIG_SNAPSHOT.removeprefix(CONFIG_FILE)
REQUIRED_FILES = ("app.py", "chalicelib/__init__.py", CONFIG_FILE, CONFIG_SNAPSHOT)
REQUIRED_RESOURCES = {
    "Table": "AWS::DynamoDB::Table",
    "MailBucket": "AWS::S3::Bucket",
    "InboundMailTopic": "AWS::SNS::Topic",
    "InboundReceiptRule": "AWS::SES::ReceiptRule",
}
REQUIRED_ENV = ("RF_TABLE", "RF_BUCKET", "RF_SIGNING_KEY_PARAM", "RF_PUBLIC_URL", "RF_TASK_QUEUE_URL")
ROUTE_FILE_VERSION = 1
"""Any number: a definition does not hold its version's number (it comes with each execution's input)."""
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
CACHE_KEEP = 3


class PackageError(RuntimeError):
    """Packaging failed or its output is not deployable; the message says what to fix."""


# --- the routes' state machine definitions ----------------------------------------------------------

def route_definitions(config: DeskConfig) -> dict[str, tuple[str, str]]:
    """File name → (route, definition) for every route of the config, as `./rf routes` writes them."""
    found = {}
    for route in config.routes:
        digest, snapshot = route_content(route)
        text = definition_json(version_of(snapshot, ROUTE_FILE_VERSION, digest))
        found[route_file_name(route.id, digest)] = (route.id, text)
    return found


def route_file_problems(config: DeskConfig, folder: Path = ROUTES_DIR) -> list[str]:
    """What is wrong with the committed definitions for this config: missing files, changed ones."""
    problems = []
    for name, (route, text) in route_definitions(config).items():
        path = folder / name
        if not path.is_file():
            problems.append(f"route {route}: no {_shown(path)} for its configured content: run `./rf routes`")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"route {route}: {_shown(path)} differs from the definition generated now "
                            "(did the generator change?); a deployed version never changes, so delete the "
                            "file deliberately and run `./rf routes` again")
    return problems


def write_route_files(config: DeskConfig, folder: Path = ROUTES_DIR) -> list[Path]:
    """Write the missing definitions of the config's routes; existing files stay as they are."""
    written = []
    for name, (_route, text) in route_definitions(config).items():
        path = folder / name
        if path.exists():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _shown(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def route_machine_id(route: RouteFile) -> str:
    """The machine's logical id: CloudFormation allows letters and digits only."""
    return "Route" + "".join(part.capitalize() for part in route.route.split("_")) + route.digest.upper()


def route_machine_resource(route: RouteFile) -> dict[str, Any]:
    return {
        "Type": "AWS::StepFunctions::StateMachine",
        "Properties": {
            "StateMachineName": route.machine_name(),
            "StateMachineType": "STANDARD",
            "DefinitionString": route.path.read_text(encoding="utf-8"),
            "DefinitionSubstitutions": dict(ROUTE_MACHINE_SUBSTITUTIONS),
            "RoleArn": {"Fn::GetAtt": [ROUTE_MACHINE_ROLE, "Arn"]},
        },
    }


def merge_template(project_dir: Path, routes: list[RouteFile]) -> dict[str, Any]:
    """infra/template.yaml with a state machine per route definition."""
    template = load_template(project_dir / MERGE_TEMPLATE)
    resources = template["Resources"]
    for route in routes:
        logical_id = route_machine_id(route)
        if logical_id in resources:
            raise PackageError(f"{route.path.name}: its machine's logical id {logical_id} is taken")
        resources[logical_id] = route_machine_resource(route)
    return template


@dataclass(frozen=True)
class PackageResult:
    out_dir: Path
    zip_path: Path
    template_path: Path
    chalice_seconds: float
    reused_cache: bool
    zip_bytes: int
    zip_files: int
    template_files: tuple[str, ...]
    """Paths under templates/ in the package, e.g. ``email/layout.html.j2``."""
    functions: tuple[str, ...]
    resource_count: int
    linted: bool


def build(project_dir: Path = ROOT, out_dir: Path | None = None, *, check: bool = False) -> PackageResult:
    """Stage, package and verify; with ``check``, lint the merged template too."""
    project_dir = project_dir.resolve()
    out_dir = (out_dir or project_dir / "build" / "packaged").resolve()
    stage_vendor(project_dir)
    for name in OUTPUTS:
        (out_dir / name).unlink(missing_ok=True)
    routes_dir = project_dir / MERGE_TEMPLATE.parent / "routes"
    try:
        routes = route_files(routes_dir)
        merged = merge_template(project_dir, routes)
    except TemplateError as error:
        raise PackageError(str(error)) from None
    with tempfile.TemporaryDirectory(prefix="rf-merge-") as folder:
        merge_path = Path(folder) / "template.yaml"
        merge_path.write_text(yaml.safe_dump(merged, allow_unicode=True, sort_keys=False), encoding="utf-8")
        seconds, log = _run_chalice(project_dir, out_dir, merge_path)
    _prune_cache(project_dir)
    zip_path = out_dir / "deployment.zip"
    template_path = next((out_dir / name for name in ("sam.yaml", "sam.json") if (out_dir / name).is_file()),
                         None)
    if not zip_path.is_file() or template_path is None:
        raise PackageError(f"chalice package wrote no deployment.zip or sam template in {out_dir}\n{log}")
    zip_files, zip_bytes, template_files = _verify_zip(project_dir, zip_path)
    try:
        template = load_template(template_path)
    except TemplateError as error:
        raise PackageError(str(error)) from None
    functions = _verify_template(template, routes, route_file_problems(load_config(project_dir / CONFIG_FILE),
                                                                       routes_dir))
    if check:
        _lint(template_path)
    return PackageResult(
        out_dir=out_dir, zip_path=zip_path, template_path=template_path, chalice_seconds=seconds,
        reused_cache="Reusing existing deployment package" in log, zip_bytes=zip_bytes, zip_files=zip_files,
        template_files=template_files, functions=functions, resource_count=len(template["Resources"]),
        linted=check,
    )


def stage_vendor(project_dir: Path) -> None:
    """Mirror templates/ and config/ into vendor/, rewriting only what changed, and snapshot the config.

    Unchanged files keep their bytes, so chalice's cache key (a hash over vendor/) stays the same; so
    does the snapshot, rewritten only when the config or its schema changed.
    """
    for name in STAGED_DIRS:
        source, target = project_dir / name, project_dir / "vendor" / name
        if not source.is_dir():
            raise PackageError(f"{source} is missing: it must ship in the Lambda package")
        wanted = {path.relative_to(source) for path in _tree_files(source)}
        for relative in wanted:
            _copy_if_changed(source / relative, target / relative)
        if target.is_dir():
            for path in _tree_files(target):
                if path.relative_to(target) not in wanted:
                    path.unlink()
            for directory in sorted((p for p in target.rglob("*") if p.is_dir()), reverse=True):
                if not any(directory.iterdir()):
                    directory.rmdir()
    try:
        write_snapshot(project_dir / "vendor" / CONFIG_FILE)
    except ConfigError as error:
        raise PackageError(f"{CONFIG_FILE} does not validate, so it cannot ship:\n{error}") from None


def _tree_files(root: Path) -> list[Path]:
    """The files to stage: config snapshots are made by staging, never copied (the bench leaves one in config/)."""
    return [path for path in root.rglob("*")
            if path.is_file() and not path.name.endswith(SNAPSHOT_SUFFIX)
            and not any(part.startswith(".") or part == "__pycache__" for part in path.relative_to(root).parts)]


def _copy_if_changed(source: Path, target: Path) -> None:
    data = source.read_bytes()
    if target.is_file() and target.read_bytes() == data:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    partial.write_bytes(data)
    os.replace(partial, target)


def _tool(name: str) -> str:
    """The named console script of this interpreter's environment (the venv's), else from PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if not found:
        raise PackageError(f"{name} is not installed in {Path(sys.executable).parent}: run `make venv`")
    return found


def _run_chalice(project_dir: Path, out_dir: Path, merge_path: Path) -> tuple[float, str]:
    command = [_tool("chalice"), "package", "--stage", STAGE,
               "--merge-template", str(merge_path), str(out_dir)]
    env = {**os.environ, "TZ": "UTC"}
    env.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    started = time.monotonic()
    done = subprocess.run(command, cwd=project_dir, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    log = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        raise PackageError(f"chalice package failed (exit {done.returncode}):\n{log}")
    if "Could not install dependencies" in log:
        raise PackageError(f"chalice package could not install every requirement:\n{log}")
    return seconds, log


def _prune_cache(project_dir: Path, keep: int = CACHE_KEEP) -> None:
    """Drop all but the newest cached packages: every code change adds one (about 5 MiB)."""
    cached = sorted((project_dir / ".chalice" / "deployments").glob("*.zip"),
                    key=lambda path: path.stat().st_mtime, reverse=True)
    for path in cached[keep:]:
        path.unlink(missing_ok=True)


def _verify_zip(project_dir: Path, zip_path: Path) -> tuple[int, int, tuple[str, ...]]:
    with zipfile.ZipFile(zip_path) as archive:
        entries = {info.filename: info for info in archive.infolist()}
        problems = [f"{name} is missing" for name in REQUIRED_FILES if name not in entries]
        if not problems and not snapshot_matches(archive.read(CONFIG_SNAPSHOT), archive.read(CONFIG_FILE)):
            problems.append(f"{CONFIG_SNAPSHOT} is not the snapshot of {CONFIG_FILE} (stale vendor/ or cache?)")
        for name in STAGED_DIRS:
            for path in _tree_files(project_dir / name):
                member = (PurePosixPath(name) / path.relative_to(project_dir / name).as_posix()).as_posix()
                if member not in entries:
                    problems.append(f"{member} is missing")
                elif archive.read(member) != path.read_bytes():
                    problems.append(f"{member} differs from the repository's (stale vendor/ or cache?)")
        templates = tuple(sorted(name.removeprefix("templates/") for name in entries
                                 if name.startswith("templates/") and name.endswith(".j2")))
        if not templates:
            problems.append("no templates/**/*.j2 in the package")
        problems += [f"{name}: staging folder leaked into the package" for name in entries
                     if name.startswith("vendor/")]
        problems += _missing_requirements(project_dir / "requirements.txt", entries)
        unzipped = sum(info.file_size for info in entries.values())
        if unzipped > LAMBDA_UNZIPPED_LIMIT:
            problems.append(f"unzipped size {unzipped / 2**20:.0f} MiB is over Lambda's 250 MiB")
    if problems:
        raise PackageError(f"{zip_path} is not deployable:\n  " + "\n  ".join(problems))
    return len(entries), zip_path.stat().st_size, templates


def _missing_requirements(requirements: Path, entries: dict[str, Any]) -> list[str]:
    """Pinned requirements without their ``<name>-<version>.dist-info`` in the package."""
    if not requirements.is_file():
        return []
    installed = {_normalize(match[1]): match[2] for name in entries
                 if (match := re.match(r"([^/]+)-([^/-]+)\.dist-info/", name))}
    problems = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        pin = re.match(r"^\s*([A-Za-z0-9_.-]+)(?:\[[^]]*\])?\s*==\s*([^\s;#]+)", line)
        if not pin:
            continue
        found = installed.get(_normalize(pin[1]))
        if found != pin[2]:
            problems.append(f"requirement {pin[1]}=={pin[2]}: {f'{found} packaged' if found else 'not packaged'}")
    return problems


def _normalize(distribution: str) -> str:
    return re.sub(r"[-_.]+", "_", distribution).lower()


def _verify_template(template: dict[str, Any], routes: list[RouteFile] = (),
                     route_problems: list[str] = ()) -> tuple[str, ...]:
    """The stack's resources are there and wired to each other; ``route_problems`` are the config's."""
    resources: dict[str, Any] = template["Resources"]

    def of_type(kind: str) -> list[str]:
        return sorted(logical_id for logical_id, resource in resources.items() if resource.get("Type") == kind)

    problems = [f"resource {logical_id} ({kind}) is missing" for logical_id, kind in REQUIRED_RESOURCES.items()
                if logical_id not in of_type(kind)]
    # A typeless resource is an amendment in infra/ whose chalice resource is gone (a renamed handler?).
    problems += [f"resource {logical_id} has no Type: infra/template.yaml amends a resource chalice "
                 "no longer makes" for logical_id, resource in resources.items() if "Type" not in resource]
    global_env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    problems += [f"Globals.Function.Environment lacks {name}" for name in REQUIRED_ENV if name not in global_env]
    topics = of_type("AWS::SNS::Topic")
    queues = of_type("AWS::SQS::Queue")
    machines = {resource["Properties"].get("StateMachineName") for resource in resources.values()
                if resource.get("Type") == "AWS::StepFunctions::StateMachine"}
    problems += [f"{route.path.name}: no state machine {route.machine_name()} in the template"
                 for route in routes if route.machine_name() not in machines]
    problems += list(route_problems)
    functions = of_type("AWS::Serverless::Function")
    for logical_id in functions:
        properties = resources[logical_id]["Properties"]
        shadowed = sorted(set(properties.get("Environment", {}).get("Variables", {})) & set(global_env))
        if shadowed:
            problems.append(f"{logical_id} sets {shadowed} itself, hiding the stack's values "
                            "(remove them from .chalice/config.json)")
        for event_name, event in properties.get("Events", {}).items():
            if event.get("Type") == "SNS" and not any(_refers_to(event["Properties"]["Topic"], topic)
                                                      for topic in topics):
                problems.append(f"{logical_id}.{event_name}: subscribes to a topic outside the stack "
                                f"(not {topics}): amend its Topic in infra/template.yaml")
            if event.get("Type") == "SQS" and not any(_refers_to(event["Properties"]["Queue"], queue)
                                                      for queue in queues):
                problems.append(f"{logical_id}.{event_name}: reads a queue outside the stack "
                                f"(not {queues}): amend its Queue in infra/template.yaml")
    if not functions:
        problems.append("no AWS::Serverless::Function: did chalice package the app?")
    if problems:
        raise PackageError("the merged template is not deployable:\n  " + "\n  ".join(problems))
    return tuple(functions)


def _refers_to(value: Any, logical_id: str) -> bool:
    """Whether a value names the resource (Ref, GetAtt, ${...} in Sub): CloudFormation then orders them."""
    if isinstance(value, dict):
        if value.get("Ref") == logical_id or value.get("Fn::GetAtt", [None])[0] == logical_id:
            return True
        sub = value.get("Fn::Sub")
        text = sub[0] if isinstance(sub, list) else sub
        if isinstance(text, str) and re.search(rf"\$\{{{re.escape(logical_id)}[.}}]", text):
            return True
        return any(_refers_to(item, logical_id) for item in value.values())
    if isinstance(value, list):
        return any(_refers_to(item, logical_id) for item in value)
    return False


def _lint(template_path: Path) -> None:
    done = subprocess.run([_tool("cfn-lint"), "--", str(template_path)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        raise PackageError(f"cfn-lint found problems in {template_path}:\n{output}")


def _summary(result: PackageResult, project_dir: Path) -> str:
    def shown(path: Path) -> str:
        return str(path.relative_to(project_dir)) if path.is_relative_to(project_dir) else str(path)

    cache = "cache reused" if result.reused_cache else "dependencies installed"
    return "\n".join([
        f"packaged into {shown(result.out_dir)} in {result.chalice_seconds:.1f} s ({cache})",
        f"  {result.zip_path.name}: {result.zip_bytes / 2**20:.1f} MiB, {result.zip_files} files, "
        f"{len(result.template_files)} templates, config, app and every requirement",
        f"  {result.template_path.name}: {result.resource_count} resources; "
        f"functions {', '.join(result.functions)}",
        f"  cfn-lint: {'clean' if result.linted else 'not run (use --check)'}",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.package", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="also lint the merged template with cfn-lint")
    parser.add_argument("--out", type=Path, help="output folder (default: build/packaged in the project)")
    parser.add_argument("--project-dir", type=Path, default=ROOT, help="the chalice project (default: this repo)")
    args = parser.parse_args(argv)
    try:
        result = build(args.project_dir, args.out, check=args.check)
    except PackageError as error:
        print(f"package: {error}", file=sys.stderr)
        return 1
    print(_summary(result, args.project_dir.resolve()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
