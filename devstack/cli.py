"""./rf — the desk's command line on the embedded stack: serve, demo, ingest, outbox, simulate, digest, export,
package, routes."""
from __future__ import annotations

import argparse
import errno
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

from chalicelib.core.config import ConfigError

from .stack import ROOT, SAMPLE_MAIL, EmbeddedStack, free_port

INGEST_TIMEOUT = 120


def _start(args, port: int) -> EmbeddedStack:
    return EmbeddedStack(time_scale=args.time_scale, config_path=args.config,
                         public_url=f"http://127.0.0.1:{port}").start()


def cmd_serve(args) -> int:
    from .server import DeskServer

    port = args.port or free_port()
    stack = _start(args, port)
    server = DeskServer(stack, port, verbose=args.verbose)
    stack.pump()
    print(f"requestflow desk on {server.url}", flush=True)
    _print_urls(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
    return 0


def _print_urls(url: str) -> None:
    print(f"  form:    {url}/form\n  outbox:  {url}/_local/outbox.html  (JSON: {url}/_local/outbox)\n"
          f"  clock:   {url}/_local/clock\n  inbound: POST raw MIME to {url}/_local/inbound"
          f" (or ./rf ingest --to {url} FILE.eml)", flush=True)


class DeskUnreachable(Exception):
    """The desk given with --to does not answer."""


def _post_inbound(base_url: str, raw: bytes) -> dict:
    """The outcome a running desk gives `raw` posted to its /_local/inbound."""
    url = base_url.rstrip("/") + "/_local/inbound"
    try:
        request = urllib.request.Request(url, data=raw, method="POST",
                                         headers={"Content-Type": "message/rfc822"})
    except ValueError as exc:
        raise DeskUnreachable(f"{base_url} is not a URL: {exc}") from None
    try:
        with urllib.request.urlopen(request, timeout=INGEST_TIMEOUT) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace")
        try:
            reason = json.loads(body).get("error") or body
        except (ValueError, AttributeError):
            reason = body
        return {"outcome": "error", "reason": f"HTTP {exc.code} from {url}: {reason}".strip()}
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeskUnreachable(f"cannot reach the desk at {base_url}: {reason}") from None
    except ValueError:
        return {"outcome": "error", "reason": f"{url} did not answer JSON: is it a requestflow desk?"}


def _ingest_files(args, ingest) -> int:
    failed = 0
    for name in args.files:
        path = Path(name)
        try:
            outcome = ingest(path.read_bytes())
        except OSError as exc:
            outcome = {"outcome": "error", "reason": str(exc)}
        if outcome.get("outcome") == "error":
            failed += 1
        line = {"file": path.name, **outcome}
        if args.json:
            print(json.dumps(line, ensure_ascii=False), flush=True)
        else:
            print(f"{path.name}: {line['outcome']} {line.get('reason') or line.get('ticket') or ''}", flush=True)
    return 1 if failed else 0


def cmd_ingest(args) -> int:
    if args.to:
        base_url = args.to if "://" in args.to else "http://" + args.to
        try:
            return _ingest_files(args, lambda raw: _post_inbound(base_url, raw))
        except DeskUnreachable as exc:
            print(f"rf: {exc}\n    start one with `./rf serve` (or `./rf demo`), or leave out --to",
                  file=sys.stderr)
            return 2
    stack = EmbeddedStack(time_scale=args.time_scale, config_path=args.config).start()
    try:
        return _ingest_files(args, stack.ingest)
    finally:
        stack.stop()


def cmd_demo(args) -> int:
    from .demo import run_demo

    return run_demo(args)


def cmd_package(args) -> int:
    from .package import main

    return main([])


def cmd_routes(args) -> int:
    from chalicelib.core.config import load_config
    from chalicelib.settings import DEFAULT_CONFIG

    from .package import route_definitions, route_file_problems, write_route_files
    from .resources import ROUTES_DIR

    config = load_config(args.config or DEFAULT_CONFIG)
    if args.check:
        problems = route_file_problems(config, ROUTES_DIR)
        for problem in problems:
            print(f"rf routes: {problem}", file=sys.stderr)
        if not problems:
            print(f"rf routes: every configured route has its definition in {ROUTES_DIR.relative_to(ROOT)}/")
        return 1 if problems else 0
    written = write_route_files(config, ROUTES_DIR)
    for path in written:
        print(f"wrote {path.relative_to(ROOT)}")
    unchanged = len(route_definitions(config)) - len(written)
    if unchanged:
        print(f"{unchanged} route definition(s) already there, left as they are")
    problems = route_file_problems(config, ROUTES_DIR)
    for problem in problems:
        print(f"rf routes: {problem}", file=sys.stderr)
    return 1 if problems else 0


OUTBOX_COLUMNS = (("outbox_id", "id"), ("state", "state"), ("request_id", "request"), ("recipients", "recipient"),
                  ("attempts", "attempts"), ("next_attempt_at", "next attempt"), ("last_error", "last error"))


def format_outbox(rows: list[dict]) -> str:
    """`./rf outbox`: one line per unsent email, dead letters first."""
    if not rows:
        return "no unsent mail: everything queued has been sent"

    def cell(row: dict, key: str) -> str:
        value = row.get(key)
        if isinstance(value, list):
            value = ", ".join(value)
        text = "-" if value in (None, "") else str(value)
        return text if len(text) <= 60 else text[:59] + "…"

    table = [[title for _, title in OUTBOX_COLUMNS]] + [[cell(r, k) for k, _ in OUTBOX_COLUMNS] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(OUTBOX_COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in table)


def _call_desk(base_url: str, path: str, method: str = "GET"):
    """The JSON a running desk answers at `path` of its local control API."""
    url = base_url.rstrip("/") + path
    try:
        request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    except ValueError as exc:
        raise DeskUnreachable(f"{base_url} is not a URL: {exc}") from None
    try:
        with urllib.request.urlopen(request, timeout=INGEST_TIMEOUT) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise DeskUnreachable(f"HTTP {exc.code} from {url}: is it a requestflow desk?") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeskUnreachable(f"cannot reach the desk at {base_url}: {getattr(exc, 'reason', exc)}") from None
    except ValueError:
        raise DeskUnreachable(f"{url} did not answer JSON: is it a requestflow desk?") from None


RETRY_RESULTS = {"sent": "sent", "queued": "failed again; queued for its next attempt",
                 "dead": "failed again and is dead-lettered", "suppressed": "not sent: the address is suppressed",
                 "not_dead": "not dead-lettered: nothing to retry (./rf outbox lists what is)",
                 "unknown": "no such email in the outbox"}


def cmd_outbox(args) -> int:
    words = list(args.words)
    if words and (words[0] != "retry" or len(words) != 2):
        print("rf outbox: use `./rf outbox` to list unsent mail or `./rf outbox retry ID`", file=sys.stderr)
        return 2
    retry_id = words[1] if words else None
    if args.to:
        base_url = args.to if "://" in args.to else "http://" + args.to
        from urllib.parse import quote

        try:
            result = (_call_desk(base_url, f"/_local/outbox/retry/{quote(retry_id, safe='')}", "POST") if retry_id
                      else _call_desk(base_url, "/_local/outbox/queue"))
        except DeskUnreachable as exc:
            print(f"rf: {exc}\n    start one with `./rf serve` (or `./rf demo`), or leave out --to", file=sys.stderr)
            return 2
    else:
        stack = EmbeddedStack(time_scale=args.time_scale, config_path=args.config).start()
        try:
            result = stack.outbox_retry(retry_id) if retry_id else stack.outbox_queue()
        finally:
            stack.stop()
    if args.json:
        print(json.dumps(result, ensure_ascii=False), flush=True)
    elif retry_id:
        print(f"{retry_id}: {RETRY_RESULTS.get(result['result'], result['result'])}", flush=True)
    else:
        print(format_outbox(result), flush=True)
    return 0 if not retry_id or result["result"] in ("sent", "queued") else 1


def cmd_simulate(args) -> int:
    from .simulate import run

    return run(args.days, args.per_day, args.seed, to=args.to, config_path=args.config, as_json=args.json,
               quiet=args.quiet)


def _get_local(base_url: str, path: str) -> bytes:
    """GET a /_local/ endpoint of a running desk (`--to`)."""
    url = base_url.rstrip("/") + path
    try:
        with urllib.request.urlopen(url, timeout=INGEST_TIMEOUT) as response:
            return response.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DeskUnreachable(f"cannot reach the desk at {base_url}: {getattr(exc, 'reason', exc)}") from None


def _on_desk(args, local_path: str, compute):
    """`compute(stack)` on an embedded desk of its own, or the JSON of `local_path` on `--to URL`."""
    if args.to:
        base_url = args.to if "://" in args.to else "http://" + args.to
        return _get_local(base_url, local_path)
    stack = EmbeddedStack(time_scale=args.time_scale, config_path=args.config).start()
    try:
        return compute(stack)
    finally:
        stack.stop()


EMPTY_DESK_HINT = ("rf: this ran on a new embedded desk of its own, which has no requests yet; "
                   "--to http://127.0.0.1:8000 reads a running `./rf serve` (or `make demo`), "
                   "and `./rf simulate` ends with the digest of the traffic it drove")


def cmd_digest(args) -> int:
    if not args.to:
        print(EMPTY_DESK_HINT, file=sys.stderr)
    try:
        got = _on_desk(args, f"/_local/digest?period={args.period}", lambda stack: stack.digest_json(args.period))
    except DeskUnreachable as exc:
        print(f"rf: {exc}\n    start one with `./rf serve`, or leave out --to", file=sys.stderr)
        return 2
    digest = json.loads(got) if isinstance(got, bytes) else got
    if args.json:
        print(json.dumps({k: v for k, v in digest.items() if k != "text"}, ensure_ascii=False, default=str))
    else:
        print(digest["text"], end="")
    return 0


def cmd_export(args) -> int:
    from urllib.parse import quote

    path = "/_local/events" + (f"?since={quote(args.since)}" if args.since else "")
    if not args.to:
        print(EMPTY_DESK_HINT, file=sys.stderr)
    try:
        got = _on_desk(args, path, lambda stack: stack.events_export(args.since))
    except DeskUnreachable as exc:
        print(f"rf: {exc}\n    start one with `./rf serve`, or leave out --to", file=sys.stderr)
        return 2
    if isinstance(got, bytes):
        sys.stdout.write(got.decode("utf-8"))
    else:
        for line in got:
            print(json.dumps(line, ensure_ascii=False, default=str))
    return 0


def _add_kpi_commands(sub, common) -> None:
    digest = sub.add_parser("digest", parents=[common], help="print the KPI digest of the last day, week or month",
                            description="The digest a manager gets (headline figures against the previous period, "
                                        "staff, stages, overdue and red zone, conversion), of the last `--period` "
                                        "days up to today (UTC). Without --to, of an embedded desk of its own.")
    digest.add_argument("--period", choices=("day", "week", "month"), default="week")
    digest.add_argument("--json", action="store_true", help="the figures as one JSON object")
    digest.add_argument("--to", metavar="URL", help="a running desk (`./rf serve`), e.g. http://127.0.0.1:8000")
    digest.set_defaults(func=cmd_digest)
    export = sub.add_parser("export", parents=[common], help="export the event log as JSON lines",
                            description="Print every event as one JSON line: request, type, time, actor and the "
                                        "fields of its type (README, 'The event export').")
    export.add_argument("what", choices=("events",))
    export.add_argument("--since", metavar="DATE", help="only events at or after DATE (ISO, e.g. 2026-11-01)")
    export.add_argument("--to", metavar="URL", help="a running desk (`./rf serve`), e.g. http://127.0.0.1:8000")
    export.set_defaults(func=cmd_export)


def main(argv: list[str] | None = None) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", help="desk config file (default config/desk.toml)")
    common.add_argument("--time-scale", type=float, default=1.0,
                        help="desk seconds per wall second (3600: an hour passes in a second)")
    parser = argparse.ArgumentParser(prog="rf", description="requestflow on an embedded, offline AWS")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", parents=[common],
                           help="run the desk locally: app routes, /_local/ control API, schedules")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--verbose", action="store_true", help="log every HTTP request")
    serve.set_defaults(func=cmd_serve)
    ingest = sub.add_parser(
        "ingest", parents=[common], help="run raw .eml files through the inbound path",
        description="Run raw .eml files through the inbound path and print each outcome. Without --to, "
                    "the mail goes to an embedded desk of its own that starts for this command and stops "
                    "when it ends: its requests and mail are gone afterwards, and a running `./rf serve` "
                    "never sees them. With --to, the files go to that running desk.")
    ingest.add_argument("files", nargs="+", metavar="FILE")
    ingest.add_argument("--to", metavar="URL",
                        help="a running desk (`./rf serve`), e.g. http://127.0.0.1:8000: each file is posted "
                             "to URL/_local/inbound")
    ingest.add_argument("--json", action="store_true", help="one outcome JSON line per file")
    ingest.set_defaults(func=cmd_ingest)
    outbox = sub.add_parser(
        "outbox", parents=[common], help="list dead, stuck and queued mail; `retry ID` sends a dead one again",
        description="List the mail not sent: dead letters (failed outbox.max_attempts times), mail stuck with a "
                    "sender that died, and queued mail waiting for its next attempt. `./rf outbox retry ID` puts "
                    "a dead email back in the queue and sends it. Without --to it looks at an embedded desk of its "
                    "own (empty); with --to, at a running `./rf serve`.")
    outbox.add_argument("words", nargs="*", metavar="retry ID", help="retry the dead email ID")
    outbox.add_argument("--to", metavar="URL", help="a running desk (`./rf serve`), e.g. http://127.0.0.1:8000")
    outbox.add_argument("--json", action="store_true", help="the rows (or the retry's result) as JSON")
    outbox.set_defaults(func=cmd_outbox)
    demo = sub.add_parser("demo", parents=[common],
                          help="feed sample mail and form posts, print the result, keep serving")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--once", action="store_true",
                      help="exit after the feed and the demo order's links (nothing keeps serving them)")
    demo.add_argument("--route-demo", action="store_true",
                      help="also decide the demo order's route through its links, printing each stage")
    demo.add_argument("--corpus", type=Path, default=SAMPLE_MAIL,
                      help="sample mail with manifest.json (default: tests/fixtures/mail)")
    demo.set_defaults(func=cmd_demo)
    package = sub.add_parser("package", help="build the Lambda package and CloudFormation into build/packaged")
    package.set_defaults(func=cmd_package)
    routes = sub.add_parser(
        "routes", help="write the state machine definition of every configured route into infra/routes",
        description="Write infra/routes/<route>.<hash>.asl.json for every route of the desk config that has "
                    "none (the hash is the route's content). Existing files are never rewritten: a deployed "
                    "machine keeps its definition. Commit the new files; packaging deploys one state machine "
                    "per file.")
    routes.add_argument("--config", help="desk config file (default config/desk.toml)")
    routes.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a configured route has no definition file")
    routes.set_defaults(func=cmd_routes)
    simulate = sub.add_parser(
        "simulate", help="drive days of realistic traffic through the desk and print what happened",
        description="Customers write (mail as SES delivers it, and the web form) in ru/en/zh, staff answer by "
                    "replying to their mail, some #resolve, customers write back, approval routes are decided "
                    "through the task mail's links or by reply, some requests go overdue. Runs on an embedded "
                    "desk of its own whose clock moves through the days (gone when the command ends), or with "
                    "--to on a running `./rf serve`. The same --seed gives the same counts.")
    simulate.add_argument("--days", type=int, default=30)
    simulate.add_argument("--per-day", type=int, default=200, help="first messages a day (mail and form)")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--to", metavar="URL", help="a running desk (`./rf serve`), e.g. http://127.0.0.1:8000")
    simulate.add_argument("--config", help="desk config file (default config/desk.toml)")
    simulate.add_argument("--json", action="store_true", help="print the summary as JSON")
    simulate.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    simulate.set_defaults(func=cmd_simulate)


    _add_kpi_commands(sub, common)
    args = parser.parse_args(argv)
    if getattr(args, "time_scale", 1.0) <= 0:
        parser.error("--time-scale must be positive")
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except ConfigError as exc:
        print(f"rf: the desk configuration is invalid:\n{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(f"rf: port {getattr(args, 'port', '?')} is in use; choose another with --port", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
