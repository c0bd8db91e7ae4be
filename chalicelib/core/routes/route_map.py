"""The route map: a request's route drawn as an accessible inline SVG.

Stages stand top to bottom (one column keeps the text readable on a 360 px phone, where a row of
boxes would have to shrink), with an arrow to the next stage and, on the right, a dashed arrow back
to the stage a rejection returns to. Every state has a text label, a marker glyph, a fill pattern and
a frame style of its own, so the map reads the same without colour. The SVG carries no <style>
(inline, it would style the whole page) and no script; all text goes through ElementTree, which
escapes it.
"""
from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from .model import RouteVersion, StageSpec

STATES = ("done", "active", "rejected", "disabled", "empty")


@dataclass(frozen=True)
class StageView:
    """One stage as it stands for a request: its state, its current cycle, who must act now and
    who decided its last cycle (display names)."""
    stage_id: str
    state: str
    cycle: int = 1
    acting: tuple[str, ...] = ()
    decided_by: tuple[str, ...] = ()


TEXTS = {
    "en": {
        "title": "Route map: {route}, version {version}",
        "heading": "{route} · v{version}",
        "count": "{n} stages",
        "states": {"done": "Done", "active": "In progress", "rejected": "Rejected",
                   "disabled": "Skipped by condition", "empty": "Not started"},
        "cycle": "cycle {n}",
        "acting": "Waiting for",
        "decided": "Decided by",
        "rejected_by": "Rejected by",
        "back": "If rejected: back to stage {n}",
        "now": "Now at stage {n}, {name}",
        "legend": "Legend",
        "next": "next stage",
        "return": "back on rejection",
        "sep": "; ", "stop": ". ", "colon": ": ",
    },
    "ru": {
        "title": "Карта маршрута: {route}, версия {version}",
        "heading": "{route} · в. {version}",
        "count": "этапов: {n}",
        "states": {"done": "Выполнен", "active": "Выполняется", "rejected": "Отклонён",
                   "disabled": "Пропущен по условию", "empty": "Не начат"},
        "cycle": "цикл {n}",
        "acting": "Ожидается от",
        "decided": "Решение принято",
        "rejected_by": "Отклонено",
        "back": "При отклонении: назад к этапу {n}",
        "now": "Сейчас этап {n}, {name}",
        "legend": "Обозначения",
        "next": "следующий этап",
        "return": "возврат при отклонении",
        "sep": "; ", "stop": ". ", "colon": ": ",
    },
    "zh": {
        "title": "路线图：{route}，第 {version} 版",
        "heading": "{route} · 第 {version} 版",
        "count": "共 {n} 个阶段",
        "states": {"done": "已完成", "active": "进行中", "rejected": "已驳回",
                   "disabled": "按条件跳过", "empty": "未开始"},
        "cycle": "第 {n} 轮",
        "acting": "等待处理人",
        "decided": "决定人",
        "rejected_by": "驳回人",
        "back": "驳回时：返回第 {n} 阶段",
        "now": "当前为第 {n} 阶段，{name}",
        "legend": "图例",
        "next": "下一阶段",
        "return": "驳回时返回",
        "sep": "；", "stop": "。", "colon": "：",
    },
}

MARKERS = {"done": "✓", "active": "▶", "rejected": "✕", "disabled": "⊘", "empty": "○"}

INK = "#1b1f24"
QUIET = "#3f4650"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif"

BASE = {"done": "#eef6ee", "active": "#ffffff", "rejected": "#fbeeee", "disabled": "#e2e2e2", "empty": "#fbfbfc"}
"""The plain colour under each state's fill: the halo that keeps text legible over a pattern."""

BOXES = {
    "done": {"fill": "url(#{p}-done)", "stroke": "#2e6b30", "stroke-width": "2"},
    "active": {"fill": "#ffffff", "stroke": "#c62828", "stroke-width": "3", "stroke-dasharray": "9 5"},
    "rejected": {"fill": "url(#{p}-rejected)", "stroke": "#7f1d1d", "stroke-width": "3"},
    "disabled": {"fill": "#e2e2e2", "stroke": "#7a7a7a", "stroke-width": "1.5", "stroke-dasharray": "2 4"},
    "empty": {"fill": "#fbfbfc", "stroke": "#9aa3ad", "stroke-width": "1.5"},
}
"""Frame and fill per state: hatched, red dashed, cross-hatched, grey dotted, light thin."""

PAD = 12
BOX_W = 320
TEXT_X = 14
NAME_SIZE = 15
NAME_LINE = 20
SIZE = 13
LINE = 18
GAP = 34
LANE = 16
HEADING_SIZE = 14
HEADING_LINE = 18

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Text XML can carry: control characters and lone surrogates (possible in staff names or config)
    would make the whole SVG ill-formed."""
    return _CONTROL.sub("", str(text))


def text_width(text: str, size: float) -> float:
    """A conservative estimate of the width of `text` at font size `size` (no font metrics here)."""
    return sum(size * (1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6) for ch in text)


def wrap(text: str, width: float, size: float) -> list[str]:
    """Break `text` into lines that fit `width`: at spaces, and anywhere inside a word too long for a
    line (names without spaces, CJK)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
            line = ""
        for ch in word:
            if line and text_width(line + ch, size) > width:
                lines.append(line)
                line = ""
            line += ch
    if line:
        lines.append(line)
    return lines or [""]


def _texts(lang: str) -> dict:
    return TEXTS.get(lang, TEXTS["en"])


def _views(route: RouteVersion, stages: list[StageView]) -> list[StageView]:
    """One view per stage in route order; a stage with no view has not been reached."""
    by_id = {}
    for view in stages:
        if view.state not in STATES:
            raise ValueError(f"unknown stage state {view.state!r} (one of {', '.join(STATES)})")
        if not any(s.id == view.stage_id for s in route.stages):
            raise ValueError(f"stage {view.stage_id!r} is not in route {route.name} v{route.version}")
        by_id[view.stage_id] = view
    return [by_id.get(s.id) or StageView(s.id, "empty") for s in route.stages]


def _back_target(route: RouteVersion, stage: StageSpec) -> int | None:
    """The index of the earlier stage a rejection returns to, if any."""
    if "reject" not in stage.actions or stage.on_reject == "end":
        return None
    for i, other in enumerate(route.stages):
        if other.id == stage.on_reject:
            return i if i < route.index(stage.id) else None
    return None


def _people_line(view: StageView, t: dict) -> tuple[str, tuple[str, ...]] | None:
    if view.state == "active" and view.acting:
        return t["acting"], view.acting
    if view.state == "rejected" and view.decided_by:
        return t["rejected_by"], view.decided_by
    if view.state == "done" and view.decided_by:
        return t["decided"], view.decided_by
    return None


def _state_text(view: StageView, t: dict) -> str:
    state = t["states"][view.state]
    return f"{state} · {t['cycle'].format(n=view.cycle)}" if view.cycle > 1 else state


def _stage_lines(number: int, stage: StageSpec, view: StageView, back: int | None, lang: str,
                 t: dict) -> list[tuple[str, str]]:
    """The lines of a stage's box as (kind, text): 'name', 'state', 'people', 'note'."""
    inner = BOX_W - 2 * TEXT_X
    lines = [("name", line) for line in wrap(f"{number}. {clean(stage.label(lang))}", inner, NAME_SIZE)]
    lines += [("state", line) for line in wrap(f"{MARKERS[view.state]} {_state_text(view, t)}", inner, SIZE)]
    people = _people_line(view, t)
    if people:
        label, names = people
        text = f"{label}{t['colon']}{', '.join(clean(n) for n in names)}"
        lines += [("people", line) for line in wrap(text, inner, SIZE)]
    if back is not None:
        lines += [("note", line) for line in wrap(f"↺ {t['back'].format(n=back + 1)}", inner, SIZE)]
    return lines


def _box_height(lines: list[tuple[str, str]]) -> int:
    return 12 + sum(NAME_LINE if kind == "name" else LINE for kind, _ in lines) + 8


def describe(route: RouteVersion, stages: list[StageView], lang: str) -> str:
    """The whole map in words: what a screen reader reads as the SVG's description."""
    t = _texts(lang)
    views = _views(route, stages)
    title = clean(route.title.get(lang) or route.title.get("en") or route.name)
    parts = [f"{title}{t['colon']}{t['count'].format(n=len(route.stages))}"]
    active = [i for i, v in enumerate(views) if v.state == "active"]
    if active:
        parts.append(t["now"].format(n=active[0] + 1, name=clean(route.stages[active[0]].label(lang))))
    for i, (stage, view) in enumerate(zip(route.stages, views)):
        clauses = [f"{i + 1}. {clean(stage.label(lang))}{t['colon']}{_state_text(view, t)}"]
        people = _people_line(view, t)
        if people:
            clauses.append(f"{people[0]}{t['colon']}{', '.join(clean(n) for n in people[1])}")
        back = _back_target(route, stage)
        if back is not None:
            clauses.append(t["back"].format(n=back + 1))
        parts.append(t["sep"].join(clauses))
    return t["stop"].join(parts) + t["stop"].strip()


def _el(parent: ET.Element, tag: str, **attrs) -> ET.Element:
    return ET.SubElement(parent, tag, {k.rstrip("_").replace("_", "-"): str(v) for k, v in attrs.items()})


def _text(parent: ET.Element, x: float, y: float, content: str, *, size: int = SIZE, weight: str = "normal",
          fill: str = INK, anchor: str = "start", halo: str = "#ffffff", class_: str = "") -> ET.Element:
    node = _el(parent, "text", **({"class_": class_} if class_ else {}), x=x, y=y, font_size=size, font_weight=weight, fill=fill, text_anchor=anchor,
               stroke=halo, stroke_width=4, stroke_linejoin="round", paint_order="stroke")
    node.text = content
    return node


def _defs(svg: ET.Element, p: str) -> None:
    defs = _el(svg, "defs")
    done = _el(defs, "pattern", id=f"{p}-done", width=8, height=8, patternUnits="userSpaceOnUse",
               patternTransform="rotate(45)")
    _el(done, "rect", width=8, height=8, fill=BASE["done"])
    _el(done, "line", x1=0, y1=0, x2=0, y2=8, stroke="#9cc59e", stroke_width=3)
    rejected = _el(defs, "pattern", id=f"{p}-rejected", width=10, height=10, patternUnits="userSpaceOnUse",
                   patternTransform="rotate(45)")
    _el(rejected, "rect", width=10, height=10, fill=BASE["rejected"])
    _el(rejected, "line", x1=0, y1=0, x2=0, y2=10, stroke="#e0a3a0", stroke_width=2)
    _el(rejected, "line", x1=0, y1=0, x2=10, y2=0, stroke="#e0a3a0", stroke_width=2)
    for name, colour in (("next", QUIET), ("back", "#7f1d1d")):
        marker = _el(defs, "marker", id=f"{p}-{name}", viewBox="0 0 10 10", refX=9, refY=5, markerWidth=5,
                     markerHeight=5, orient="auto-start-reverse")
        _el(marker, "path", d="M0,0 L10,5 L0,10 z", fill=colour)


def _box(parent: ET.Element, x: float, y: float, w: float, h: float, state: str, p: str) -> ET.Element:
    style = {k.replace("-", "_"): v.format(p=p) for k, v in BOXES[state].items()}
    return _el(parent, "rect", x=x, y=y, width=w, height=h, rx=6, **style)


def _legend(svg: ET.Element, y: float, width: float, t: dict, has_back: bool, p: str) -> float:
    """Draws the legend from `y`; returns its height."""
    _text(svg, PAD, y + 16, t["legend"], weight="bold")
    items = [("state", s) for s in STATES] + [("arrow", "next")] + ([("arrow", "back")] if has_back else [])
    labels = [t["states"][s] if kind == "state" else t["next" if s == "next" else "return"] for kind, s in items]
    column = (width - 2 * PAD) / 2
    columns = 2 if all(text_width(label, 12) <= column - 44 for label in labels) else 1
    row_h = 22
    for i, ((kind, what), label) in enumerate(zip(items, labels)):
        x = PAD + (i % columns) * column
        top = y + 26 + (i // columns) * row_h
        if kind == "state":
            _box(svg, x + 1, top + 2, 32, 16, what, p).set("rx", "3")
            _text(svg, x + 17, top + 14.5, MARKERS[what], size=11, anchor="middle", halo=BASE[what])
        else:
            line = _el(svg, "line", x1=x + 2, y1=top + 10, x2=x + 30, y2=top + 10, stroke_width=2,
                       stroke=QUIET if what == "next" else "#7f1d1d", marker_end=f"url(#{p}-{what})")
            if what == "back":
                line.set("stroke-dasharray", "5 3")
        _text(svg, x + 40, top + 14.5, label, size=12)
    rows = -(-len(items) // columns)
    return 26 + rows * row_h + 4


def route_map_svg(route: RouteVersion, stages: list[StageView], lang: str) -> str:
    """The route map of one request as an inline <svg> (role="img", named by its <title>, described
    in words by its <desc>) in `lang` (en, ru, zh; others fall back to en)."""
    t = _texts(lang)
    views = _views(route, stages)
    p = "rm-" + re.sub(r"[^A-Za-z0-9_-]", "-", route.name) + f"-v{route.version}"
    backs = {i: _back_target(route, s) for i, s in enumerate(route.stages)}
    edges = sorted(((i, j) for i, j in backs.items() if j is not None), key=lambda e: e[0] - e[1])
    width = PAD + BOX_W + (12 + LANE * len(edges) if edges else 0) + PAD

    lines = [_stage_lines(i + 1, s, v, backs[i], lang, t) for i, (s, v) in enumerate(zip(route.stages, views))]
    route_title = clean(route.title.get(lang) or route.title.get("en") or route.name)
    heading = wrap(t["heading"].format(route=route_title, version=route.version), width - 2 * PAD, HEADING_SIZE)
    tops, y = [], PAD + HEADING_LINE * len(heading) + 12
    for stage_lines in lines:
        tops.append(y)
        y += _box_height(stage_lines) + GAP
    legend_top = y - GAP + 18

    svg = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "role": "img", "class": "route-map",
                             "aria-labelledby": f"{p}-title", "aria-describedby": f"{p}-desc",
                             "font-family": FONT, "lang": lang if lang in TEXTS else "en"})
    _el(svg, "title", id=f"{p}-title").text = t["title"].format(route=route_title, version=route.version)
    _el(svg, "desc", id=f"{p}-desc").text = describe(route, stages, lang)
    _defs(svg, p)
    background = _el(svg, "rect", width=width, height=0, rx=8, fill="#ffffff", stroke="#d4d8dd")
    for n, line in enumerate(heading):
        _text(svg, PAD, PAD + HEADING_SIZE + n * HEADING_LINE, line, size=HEADING_SIZE, weight="bold", fill=QUIET)

    for i, (stage_lines, view) in enumerate(zip(lines, views)):
        top, h = tops[i], _box_height(stage_lines)
        group = _el(svg, "g", class_=f"stage stage-{view.state}", data_stage=route.stages[i].id,
                    data_state=view.state)
        _box(group, PAD, top, BOX_W, h, view.state, p)
        ty = top + 12
        for kind, content in stage_lines:
            ty += NAME_LINE if kind == "name" else LINE
            _text(group, PAD + TEXT_X, ty - 5, content, size=NAME_SIZE if kind == "name" else SIZE,
                  weight="bold" if kind in ("name", "state") else "normal",
                  fill=QUIET if view.state == "disabled" and kind != "state" else INK, halo=BASE[view.state],
                  class_=f"stage-{kind}")
        if i + 1 < len(lines):
            cx = PAD + BOX_W / 2
            _el(svg, "line", x1=cx, y1=top + h, x2=cx, y2=tops[i + 1] - 3, stroke=QUIET, stroke_width=2,
                marker_end=f"url(#{p}-next)", class_="arrow-next")

    for lane, (source, target) in enumerate(edges):
        right, x = PAD + BOX_W, PAD + BOX_W + 12 + LANE * lane + LANE / 2
        y1 = tops[source] + _box_height(lines[source]) / 2
        target_h = _box_height(lines[target])
        y2 = tops[target] + min(target_h / 2 + 6 * lane, target_h - 8)
        _el(svg, "path", d=f"M{right},{y1} H{x} V{y2} H{right + 3}", fill="none", stroke="#7f1d1d",
            stroke_width=2, stroke_dasharray="6 4", marker_end=f"url(#{p}-back)", class_="arrow-back",
            data_from=route.stages[source].id, data_to=route.stages[target].id)

    height = legend_top + _legend(svg, legend_top, width, t, bool(edges), p) + PAD
    background.set("height", f"{height:g}")
    svg.set("viewBox", f"0 0 {width:g} {height:g}")
    svg.set("width", f"{width:g}")
    svg.set("height", f"{height:g}")
    svg.set("style", "max-width:100%;height:auto")
    return ET.tostring(svg, encoding="unicode")
