"""Emails the desk sent, as the local outbox shows them (JSON and a rendered page)."""
from __future__ import annotations

import email
import email.policy
import html
import re

_LINK = re.compile(r"https?://[^\s<>\"')]+")


def describe(sent) -> dict:
    """One sent SES message as JSON: to, from, subject, message_id, in_reply_to, text, html, links."""
    raw = getattr(sent, "raw_data", None)
    if raw is None:
        return {"to": sent.destinations, "from": sent.source, "subject": sent.subject, "text": sent.body,
                "html": None, "message_id": None, "in_reply_to": None, "links": _LINK.findall(sent.body or ""),
                "ses_message_id": sent.id, "headers": {}}
    message = email.message_from_bytes(raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw,
                                       policy=email.policy.default)
    text_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    text = text_part.get_content() if text_part else ""
    body_html = html_part.get_content() if html_part else None
    links = list(dict.fromkeys(_LINK.findall(text) + _LINK.findall(html.unescape(body_html or ""))))
    return {
        "to": list(dict.fromkeys(sent.destinations)) if not isinstance(sent.destinations, dict)
        else sent.destinations,
        "from": str(message["From"] or sent.source),
        "reply_to": str(message["Reply-To"] or "") or None,
        "subject": str(message["Subject"] or ""),
        "message_id": str(message["Message-ID"] or "") or None,
        "in_reply_to": str(message["In-Reply-To"] or "") or None,
        "references": str(message["References"] or "") or None,
        "auto_submitted": str(message["Auto-Submitted"] or "") or None,
        "text": text,
        "html": body_html,
        "links": links,
        "attachments": [{"filename": part.get_filename(), "content_type": part.get_content_type(),
                         "size": len(part.get_payload(decode=True) or b"")} for part in message.iter_attachments()],
        "ses_message_id": sent.id,
    }


def render_page(mail: dict) -> str:
    """The email as its recipient would see it; its HTML is shown in a sandboxed frame."""
    def shown(value) -> str:
        return ", ".join(value) if isinstance(value, list) else str(value or "")

    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(shown(mail.get(k)))}</td></tr>"
                   for k in ("from", "to", "reply_to", "subject", "message_id", "in_reply_to"))
    body = (f'<iframe sandbox title="message" style="width:100%;height:70vh;border:1px solid #ccc" '
            f'srcdoc="{html.escape(mail["html"], quote=True)}"></iframe>' if mail.get("html")
            else f"<pre>{html.escape(mail.get('text') or '')}</pre>")
    text = f"<details><summary>Text part</summary><pre>{html.escape(mail.get('text') or '')}</pre></details>"
    files = mail.get("attachments") or []
    if files:
        text += "<h2>Attachments</h2><ul>" + "".join(
            f"<li>{html.escape(a['filename'] or '(no name)')} ({html.escape(a['content_type'])}, {a['size']} bytes)</li>"
            for a in files) + "</ul>"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(mail["subject"])}'
            f'</title><style>body{{font-family:sans-serif;margin:2em}}th{{text-align:left;padding-right:1em}}'
            f'</style></head><body><p><a href="/_local/outbox.html">← outbox</a></p><table>{rows}</table>'
            f'{body}{text}</body></html>')


def render_index(mails: list[dict]) -> str:
    from urllib.parse import quote

    rows = "".join(
        f'<tr><td><a href="/_local/outbox/{quote(m.get("message_id") or m["ses_message_id"], safe="")}">'
        f'{html.escape(m["subject"])}</a></td><td>{html.escape(", ".join(m["to"]) if isinstance(m["to"], list) else str(m["to"]))}</td></tr>'
        for m in reversed(mails))
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Outbox</title>'
            '<style>body{font-family:sans-serif;margin:2em}td{padding:.3em 1em .3em 0}</style></head><body>'
            f'<h1>Outbox ({len(mails)})</h1><p><a href="/_local/outbox">as JSON</a> · <a href="/form">form</a></p>'
            f'<table><tr><th>Subject</th><th>To</th></tr>{rows}</table></body></html>')
