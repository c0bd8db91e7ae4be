"""`rf demo`: the whole desk on the embedded stack with sample mail and form posts."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from .stack import EmbeddedStack

FORM_POSTS = [
    {"name": "Анна Соколова", "email": "anna.sokolova@example.ru", "subject": "Стрейч-плёнка для паллет",
     "message": "Нужна стрейч-плёнка 23 мкм, 500 мм. Пришлите, пожалуйста, цену.", "category": "order",
     "fact_monthly_need": "60 рулонов в месяц", "lang": "ru"},
    {"name": "John Carter", "email": "john.carter@example.com", "subject": "Do you ship to Ireland?",
     "message": "Hello, do you deliver shrink film to Dublin and how long does it take?", "lang": "en"},
    {"name": "Mark Evans", "email": "mark.evans@example.co.uk", "subject": "Invoice copy",
     "message": "Could you send a copy of invoice INV-30311, please?", "category": "documents", "lang": "en"},
]


def _post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return {"error": exc.read().decode("utf-8", "replace"), "status": exc.code}


def _feed_mail(stack: EmbeddedStack, corpus: Path) -> list[tuple[str, dict]]:
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    results: list[tuple[str, dict]] = []
    by_file: dict[str, dict] = {}
    ordered = sorted((e for e in manifest if e.get("file")), key=lambda e: e["kind"] == "reply")
    for entry in ordered:
        raw = (corpus / entry["file"]).read_bytes()
        original = by_file.get(entry["expect"].get("reply_to_file") or "")
        if entry.get("template"):
            if not original or not original.get("ticket"):
                continue
            for placeholder, value in (("{{ticket}}", original["ticket"]),
                                       ("{{ack_message_id}}", original.get("ack_message_id") or ""),
                                       ("{{reply_to}}", original.get("reply_to") or "")):
                raw = raw.replace(placeholder.encode(), value.encode())
        outcome = stack.ingest(raw)
        by_file[entry["file"]] = outcome
        results.append((entry["file"], outcome))
    return results


def run_demo(args) -> int:
    from .server import DeskServer

    corpus: Path = args.corpus
    if not (corpus / "manifest.json").is_file():
        print(f"sample mail not found in {corpus} (use --corpus DIR)")
        return 2
    port = args.port
    stack = EmbeddedStack(time_scale=args.time_scale, config_path=args.config,
                          public_url=f"http://127.0.0.1:{port}").start()
    server = DeskServer(stack, port).start_background()
    try:
        print(f"feeding sample mail from {corpus} …", flush=True)
        rows = _feed_mail(stack, corpus)
        for post in FORM_POSTS:
            answer = _post_json(f"{server.url}/requests", post)
            rows.append((f"form: {post['subject']}", {"outcome": "created" if "ticket" in answer else "rejected",
                                                     "ticket": answer.get("ticket"),
                                                     "reason": answer.get("error")}))
        _print_table(stack, rows)
        print(f"\n{len(stack.sent_mail())} emails in the outbox.")
        if args.once:
            print("--once: stopped after the feed; run `make demo` or `./rf demo` to keep the desk serving.")
            return 0
        print(f"Open:\n  form:    {server.url}/form\n  outbox:  {server.url}/_local/outbox.html"
              f"  (JSON: {server.url}/_local/outbox)\n  clock:   {server.url}/_local/clock\n"
              f"  more mail: ./rf ingest --to {server.url} FILE.eml", flush=True)
        stack.pump()
        print("serving until Ctrl-C", flush=True)
        import threading

        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        stack.stop()
    return 0


def _print_table(stack: EmbeddedStack, rows: list[tuple[str, dict]]) -> None:
    header = ("source", "ticket", "outcome", "category", "lang", "assignee")
    table = [header]
    for source, outcome in rows:
        ticket = outcome.get("ticket") or "-"
        request = stack.desk.table.get_request(ticket) if outcome.get("ticket") else None
        table.append((
            source[:52], ticket,
            outcome.get("outcome", "?") + (f" ({outcome['reason']})" if outcome.get("reason") else ""),
            outcome.get("category") or (request.category if request else "-"),
            outcome.get("language") or (request.language if request else "-"),
            outcome.get("assignee") or (request.assignee if request else "-"),
        ))
    widths = [max(len(str(r[i])) for r in table) for i in range(len(header))]
    for n, row in enumerate(table):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
        if n == 0:
            print("  ".join("-" * w for w in widths))
