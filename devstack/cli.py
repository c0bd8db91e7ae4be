"""./rf — the desk's command line on the embedded stack: serve, demo, ingest, package."""
from __future__ import annotations

import argparse
import errno
import json
import sys
from pathlib import Path

from chalicelib.core.config import ConfigError

from .stack import SAMPLE_MAIL, EmbeddedStack, free_port


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
          f"  clock:   {url}/_local/clock\n  inbound: POST raw MIME to {url}/_local/inbound", flush=True)


def cmd_ingest(args) -> int:
    stack = EmbeddedStack(time_scale=args.time_scale, config_path=args.config).start()
    failed = 0
    try:
        for name in args.files:
            path = Path(name)
            try:
                outcome = stack.ingest(path.read_bytes())
            except OSError as exc:
                outcome, failed = {"outcome": "error", "reason": str(exc)}, failed + 1
            line = {"file": path.name, **outcome}
            if args.json:
                print(json.dumps(line, ensure_ascii=False), flush=True)
            else:
                print(f"{path.name}: {line['outcome']} {line.get('reason') or line.get('ticket') or ''}", flush=True)
    finally:
        stack.stop()
    return 1 if failed else 0


def cmd_demo(args) -> int:
    from .demo import run_demo

    return run_demo(args)


def cmd_package(args) -> int:
    from .package import main

    return main([])


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
    ingest = sub.add_parser("ingest", parents=[common], help="run raw .eml files through the inbound path")
    ingest.add_argument("files", nargs="+")
    ingest.add_argument("--json", action="store_true", help="one outcome JSON line per file")
    ingest.set_defaults(func=cmd_ingest)
    demo = sub.add_parser("demo", parents=[common],
                          help="feed sample mail and form posts, print the result, keep serving")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--once", action="store_true", help="exit after the feed")
    demo.add_argument("--corpus", type=Path, default=SAMPLE_MAIL,
                      help="sample mail with manifest.json (default: tests/fixtures/mail)")
    demo.set_defaults(func=cmd_demo)
    package = sub.add_parser("package", help="build the Lambda package and CloudFormation into build/packaged")
    package.set_defaults(func=cmd_package)
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
