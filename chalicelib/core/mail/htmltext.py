"""HTML mail body → plain text: one line per block, no re-wrapping, quotes as '> ' lines, a blank line
between paragraphs that a mail client shows apart."""
from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_to_text"]

_SKIP = frozenset({
    "script", "style", "head", "title", "noscript", "template", "svg", "math",
    "object", "embed", "iframe", "frame", "frameset", "applet", "canvas", "audio",
    "video", "select", "option", "datalist", "xml",
})
_BLOCK = frozenset({
    "p", "div", "section", "article", "header", "footer", "main", "nav", "aside",
    "address", "center", "form", "fieldset", "legend", "figure", "figcaption",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot",
    "caption", "ul", "ol", "dl", "dt", "dd", "details", "summary", "body", "html",
})
_HEAD_CONTENT = frozenset({"meta", "link", "title", "style", "script", "base", "noscript", "xml", "template"})
_CELL = frozenset({"td", "th"})
_WS = re.compile(r"[ \t\n\r\f\v]+")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\ufeff\u200b\u00ad\u200c\u2060\u034f"), None)
_CONTAINERS = frozenset({"div", "span", "p", "table", "tbody", "tr", "td", "th", "section", "center", "font",
                         "a", "ul", "ol", "li", "blockquote"})
# Outlook's paragraphs ("MsoNormal") and paragraphs styled without margins sit line under line; their
# blank lines are paragraphs of their own ("<p class=MsoNormal>&nbsp;</p>").
_TIGHT_CLASS = re.compile(r"msonormal|msoplaintext", re.IGNORECASE)
_TIGHT_STYLE = re.compile(r"margin(?:-bottom|-top)?\s*:\s*0(?:[a-z]{2}|%)?\s*(?:;|$)", re.IGNORECASE)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|mso-hide\s*:\s*all", re.IGNORECASE)


def _hidden(attrs: list[tuple[str, str | None]]) -> bool:
    """Preheaders and tracking filler hide themselves; what the reader never sees is not the message."""
    for name, value in attrs:
        if name == "hidden" or (name == "style" and value and _HIDDEN.search(value)):
            return True
    return False


def _spaced(attrs: list[tuple[str, str | None]]) -> bool:
    """Whether a <p> keeps the margin browsers give paragraphs (a blank line between two of them)."""
    tight = {"class": _TIGHT_CLASS, "style": _TIGHT_STYLE}
    return not any(value and name in tight and tight[name].search(value) for name, value in attrs)


class _Reducer(HTMLParser):
    def __init__(self, drop_hidden: bool = True) -> None:
        super().__init__(convert_charrefs=True)
        self.drop_hidden = drop_hidden
        self.lines: list[str] = []
        self.buf: list[str] = []
        self.skip: list[str] = []
        self.quote = 0
        self.pre = 0
        self.lists: list[int] = []
        self.cell_open = False
        self.cell_text = False
        self.open_paragraph: bool | None = None  # None: no <p> open; else whether it is spaced
        self.paragraph_end: tuple[int, int] | None = None  # (len(self.lines), self.quote) when a spaced <p> closed

    # -- output helpers -------------------------------------------------
    def _flush(self, force: bool = False) -> None:
        text = "".join(self.buf)
        self.buf = []
        if not text and not force:
            return
        line = text.replace("\xa0", " ")
        line = line.rstrip() if self.pre else line.strip()
        self.lines.append(("> " * self.quote + line).rstrip())

    def _break(self) -> None:
        if self.buf:
            self._flush()

    def _append(self, text: str) -> None:
        if self.pre:
            parts = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            for i, part in enumerate(parts):
                if i:
                    self._flush(force=True)
                if part:
                    self.buf.append(part)
            return
        text = _WS.sub(" ", text)
        if not self.buf or self.buf[-1].endswith(" "):
            text = text.lstrip(" ")
        if text:
            self.buf.append(text)
            self.cell_text = self.cell_text or not text.isspace()

    # -- parser callbacks -----------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body" or (self.skip == ["head"] and tag not in _HEAD_CONTENT):
            self.skip.clear()
        if self.skip:
            if tag in _SKIP or tag in self.skip:
                self.skip.append(tag)
            return
        if tag in _SKIP or (self.drop_hidden and tag in _CONTAINERS and _hidden(attrs)):
            self.skip.append(tag)
            return
        if tag == "br":
            self._flush(force=True)
        elif tag == "p":
            if self.open_paragraph is not None:
                self._end_paragraph()  # "<p>one<p>two": a new paragraph closes the open one
            self._break()
            spaced = _spaced(attrs)
            after_paragraph = self.paragraph_end == (len(self.lines), self.quote)
            if spaced and after_paragraph and self.lines and self.lines[-1].strip("> "):
                self.lines.append(("> " * self.quote).rstrip())  # the blank line between two paragraphs
            self.open_paragraph = spaced
        elif tag in _BLOCK:
            self._break()
            if tag in ("ul", "ol"):
                self.lists.append(0 if tag == "ol" else -1)
        elif tag == "blockquote":
            self._break()
            self.quote += 1
        elif tag == "pre":
            self._break()
            self.pre += 1
        elif tag == "tr":
            self._break()
            self.cell_open = self.cell_text = False
        elif tag in _CELL:
            if self.cell_open and self.cell_text:
                self.buf.append(" | ")
                self.cell_text = False
            self.cell_open = True
        elif tag == "li":
            self._break()
            if self.lists and self.lists[-1] >= 0:
                self.lists[-1] += 1
                self.buf.append(f"{self.lists[-1]}. ")
            else:
                self.buf.append("- ")
        elif tag == "hr":
            self._break()
            self.lines.append("> " * self.quote + "_" * 32)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP or self.skip or (tag in _CONTAINERS and _hidden(attrs)):
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if tag in self.skip:
                while self.skip.pop() != tag:
                    pass
            elif tag == "head":
                self.skip.clear()
            return
        if tag == "p":
            self._end_paragraph()
        elif tag in _BLOCK or tag in ("li", "tr"):
            self._break()
            if tag in ("ul", "ol") and self.lists:
                self.lists.pop()
        elif tag == "blockquote":
            self._break()
            self.quote = max(0, self.quote - 1)
        elif tag == "pre":
            self._break()
            self.pre = max(0, self.pre - 1)

    def _end_paragraph(self) -> None:
        self._break()
        self.paragraph_end = (len(self.lines), self.quote) if self.open_paragraph else None
        self.open_paragraph = None

    def handle_data(self, data: str) -> None:
        if not self.skip and data:
            self._append(data)

    def close(self) -> None:
        super().close()
        self._break()


def html_to_text(html: str) -> str:
    """Reduce an HTML body to readable text; links keep only their text, images are dropped.

    Hidden elements (preheaders, filler) are left out, unless that leaves nothing at all (an
    unclosed hidden element must not swallow the message).
    """
    return _reduce(html, drop_hidden=True) or _reduce(html, drop_hidden=False)


def _reduce(html: str, drop_hidden: bool) -> str:
    parser = _Reducer(drop_hidden)
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient; never let odd markup break intake
        parser._break()
    out: list[str] = []
    blank = False
    for line in parser.lines:
        line = line.translate(_ZERO_WIDTH)
        if not line.strip():
            if out and not blank:
                out.append("")
            blank = True
            continue
        blank = False
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)
