"""`rf serve`: the app's HTTP routes (through Chalice's local gateway, as API Gateway would call them)
plus the local control API under /_local/, which exists only here, never in the deployed app."""
from __future__ import annotations

import base64
import json
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from .outbox import render_index, render_page
from .stack import EmbeddedStack

MAX_INBOUND_BYTES = 60 * 1024 * 1024


def make_handler(stack: EmbeddedStack):
    from chalice.config import Config
    from chalice.local import LocalGateway

    gateway = LocalGateway(stack.app, Config.create(chalice_stage="dev", lambda_timeout=60))

    class Handler(BaseHTTPRequestHandler):
        server_version = "requestflow-local"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib's name
            if getattr(self.server, "verbose", False):
                super().log_message(format, *args)

        def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, value) -> None:
            self._send(status, json.dumps(value, ensure_ascii=False, indent=1).encode(), "application/json")

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _local(self, path: str) -> None:
            if path == "/_local/clock" and self.command == "GET":
                return self._json(200, stack.clock_now())
            if path == "/_local/outbox" and self.command == "GET":
                return self._json(200, stack.sent_mail())
            if path == "/_local/outbox.html" and self.command == "GET":
                return self._send(200, render_index(stack.sent_mail()).encode(), "text/html; charset=utf-8")
            if path == "/_local/outbox/queue" and self.command == "GET":
                return self._json(200, stack.outbox_queue())
            if path.startswith("/_local/outbox/retry/") and self.command == "POST":
                return self._json(200, stack.outbox_retry(unquote(path[len("/_local/outbox/retry/"):])))
            if path == "/_local/feedback" and self.command == "POST":
                try:
                    notification = json.loads(self._body())
                except ValueError:
                    return self._json(400, {"error": "POST an SES bounce or complaint notification (JSON)"})
                return self._json(200, stack.deliver_feedback(notification))
            if path.startswith("/_local/outbox/") and self.command == "GET":
                wanted = unquote(path[len("/_local/outbox/"):])
                for mail in stack.sent_mail():
                    if wanted in (mail.get("message_id"), mail.get("ses_message_id"),
                                  (mail.get("message_id") or "").strip("<>")):
                        return self._send(200, render_page(mail).encode(), "text/html; charset=utf-8")
                return self._json(404, {"error": f"no sent email with Message-ID {wanted}"})
            if path.startswith("/_local/requests/") and self.command == "GET":
                found = stack.request_json(unquote(path[len("/_local/requests/"):]))
                return self._json(200, found) if found else self._json(404, {"error": "no such request"})
            if path == "/_local/inbound" and self.command == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_INBOUND_BYTES:
                    return self._json(413, {"error": f"over {MAX_INBOUND_BYTES} bytes"})
                return self._json(200, stack.ingest(self._body()))
            if path in ("/_local/digest", "/_local/events") and self.command == "GET":
                return self._kpi(path)
            return self._json(404, {"error": f"no local route {self.command} {path}"})

        def _kpi(self, path: str) -> None:
            from urllib.parse import parse_qs

            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            if path == "/_local/digest":
                return self._json(200, stack.digest_json(query.get("period", "week")))
            lines = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in stack.events_export(query.get("since")))
            return self._send(200, lines.encode(), "application/x-ndjson")

        def _app(self, path: str, query: str) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            body = self._body()
            try:
                response = gateway.handle_request(self.command, path + (f"?{query}" if query else ""),
                                                  headers, body)
            except Exception as exc:  # chalice raises ForbiddenError for unknown routes
                status = getattr(exc, "status_code", 404)
                return self._json(status if isinstance(status, int) else 404, {"error": "not found"})
            payload = response.get("body") or b""
            if response.get("isBase64Encoded"):
                payload = base64.b64decode(payload)
            elif isinstance(payload, str):
                payload = payload.encode("utf-8")
            out_headers = {k: v for k, v in (response.get("headers") or {}).items()
                           if k.lower() not in ("content-type", "content-length")}
            content_type = (response.get("headers") or {}).get("Content-Type", "application/json")
            self._send(response["statusCode"], payload, content_type, out_headers)

        def _dispatch(self) -> None:
            parts = urlsplit(self.path)
            try:
                if parts.path == "/":
                    self._send(302, b"", "text/plain", {"Location": "/form"})
                elif parts.path.startswith("/_local/"):
                    self._local(parts.path)
                else:
                    self._app(parts.path, parts.query)
            except Exception as exc:  # noqa: BLE001 - a local server answers every request
                traceback.print_exc()
                self._json(500, {"error": f"{type(exc).__name__}: {exc}"})

        do_GET = do_POST = do_OPTIONS = do_HEAD = do_PUT = do_DELETE = _dispatch

    return Handler


class DeskServer:
    def __init__(self, stack: EmbeddedStack, port: int = 8000, verbose: bool = False):
        self.stack = stack
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), make_handler(stack))
        self.httpd.daemon_threads = True
        self.httpd.verbose = verbose
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def start_background(self) -> "DeskServer":
        threading.Thread(target=self.httpd.serve_forever, name="desk-http", daemon=True).start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
