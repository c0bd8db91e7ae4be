"""End-to-end tier: the desk as `./rf serve` runs it, driven by a real (headless) Chromium.

Fixtures:
  desk_url  – base URL of one `./rf serve` subprocess for the whole session (`serve(*args)` starts
              another, e.g. on a fast clock, for a module that needs one).
  browser   – one headless Chromium (Debian's, never a downloaded one) for the whole session.
  page      – a fresh context + page per test, JavaScript on; `page.dialogs` lists every
              alert/confirm/prompt that fired (a dialog means injected script ran).
  new_page  – factory for extra pages/contexts, e.g. new_page(java_script_enabled=False).

No browser: skipped, unless RF_REQUIRE_BROWSER=1 (CI), where it is a failure.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
SHOTS = Path("/tmp/rf-shots")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Terminate the server's whole process group (./rf execs python, which starts moto threads)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


@contextmanager
def serve(*args: str):
    """`./rf serve` on a free port with `args` (e.g. --time-scale, --config) until the block ends: its URL."""
    port = _free_port()
    env = {**os.environ, "TZ": "UTC", "PYTHONUNBUFFERED": "1"}
    log = tempfile.TemporaryFile(mode="w+b")
    proc = subprocess.Popen([str(ROOT / "rf"), "serve", "--port", str(port), *args], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"

    def output() -> str:
        log.seek(0)
        return log.read().decode("utf-8", "replace")

    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"`./rf serve` exited with {proc.returncode} before answering:\n{output()}",
                            pytrace=False)
            try:
                with urllib.request.urlopen(f"{url}/_local/clock", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"`./rf serve` did not answer GET /_local/clock within {START_TIMEOUT:.0f} s:\n"
                            f"{output()}", pytrace=False)
            time.sleep(0.2)
        yield url
    finally:
        _stop(proc)
        if proc.returncode not in (0, -signal.SIGTERM, None):
            sys.stderr.write(f"\n`./rf serve` ended with {proc.returncode}:\n{output()}\n")
        log.close()


@pytest.fixture(scope="session")
def desk_url():
    with serve() as url:
        yield url


def _chromium_path() -> str | None:
    wanted = os.environ.get("RF_CHROMIUM")
    if wanted:
        return wanted if os.path.isfile(wanted) and os.access(wanted, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session", autouse=True)
def chromium_path() -> str:
    """Checked before anything else starts, so a missing browser costs no server start."""
    path = _chromium_path()
    if path is None:
        why = (f"no Chromium at RF_CHROMIUM={os.environ['RF_CHROMIUM']!r}" if os.environ.get("RF_CHROMIUM")
               else "no `chromium` or `chromium-browser` on PATH (set RF_CHROMIUM)")
        if os.environ.get("RF_REQUIRE_BROWSER") == "1":
            pytest.fail(f"RF_REQUIRE_BROWSER=1 but {why}", pytrace=False)
        pytest.skip(why)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser):
    """new_page(**context_options) → a page whose `dialogs` list records (and dismisses) every dialog."""
    contexts = []

    def make(**options):
        context = browser.new_context(locale=options.pop("locale", "en-US"), **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []

        def on_dialog(dialog):
            page.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(scope="session")
def shots() -> Path:
    """Where screenshots go for people to look at (never committed)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
