"""The route map and the approval analysis as a member of staff sees them in a real browser: a
standalone page holding both, opened from a file (no desk needed)."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from chalicelib.core.render import Templates
from chalicelib.core.routes.analysis import analysis_view
from chalicelib.core.routes.model import RouteVersion, StageSpec
from chalicelib.core.routes.route_map import TEXTS, StageView, route_map_svg

SCREENSHOT = Path("/tmp/route_map.png")


def _route() -> RouteVersion:
    def stage(id_, kind, en, ru, **extra):
        return StageSpec(id_, {"en": en, "ru": ru}, kind, ("role:sales",), **extra)

    return RouteVersion("order-approval", 3, {"en": "Order approval", "ru": "Согласование заказа"}, (
        stage("approve", "approve", "Approve the order", "Согласовать заказ"),
        stage("summarize", "summarize", "Summarize the approval", "Подвести итоги согласования"),
        stage("check", "approve", "Check the customer's credit", "Проверить кредит клиента", on_reject="approve"),
        stage("acknowledge", "acknowledge", "Acknowledge the results", "Ознакомиться с результатами",
              condition={"priority": ["high"]}),
        stage("execute", "execute", "Start execution", "Начать исполнение"),
    ))


VIEWS = [StageView("approve", "done", 2, (), ("Olga Petrova",)),
         StageView("summarize", "active", 2, ("Пётр Сидоров", "Anna Lee"), ()),
         StageView("check", "rejected", 1, (), ("<b>Ivan</b> & Co",)),
         StageView("acknowledge", "disabled")]
"""The credit check rejected the first cycle and sent the request back to the approval; the second
cycle is at the summary; the acknowledgement is off for this priority."""


def _task(stage, cycle, person, decision=None, at=None, comment=None):
    return {"stage": stage, "cycle": cycle, "person": person, "state": "done" if decision else "open",
            "decision": decision, "comment": comment, "decided_at": at, "note": None}


TASKS = [
    _task("approve", 1, "olga", "approve", "2026-03-01T09:00:00Z"),
    _task("summarize", 1, "petr", "approve", "2026-03-01T11:30:00Z", "Margin is fine."),
    _task("check", 1, "ivan", "reject", "2026-03-02T10:15:00+03:00",
          "<img src=x onerror=alert(1)> the credit limit is exceeded"),
    _task("approve", 2, "olga", "approve", "2026-03-03T08:00:00Z", "Prepayment agreed."),
    _task("summarize", 2, "petr"),
    _task("summarize", 2, "anna"),
]
NAMES = {"olga": "Olga Petrova", "ivan": "<b>Ivan</b> & Co", "petr": "Пётр Сидоров", "anna": "Anna Lee"}


def _page_file(tmp_path: Path, lang: str) -> str:
    route = _route()
    table = Templates().render("pages/_analysis.html.j2", analysis=analysis_view(route, TASKS, NAMES, lang),
                               lang=lang)
    html = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Request</title></head>'
            '<body style="font:1rem/1.5 system-ui, sans-serif;margin:0">'
            '<main style="max-width:40rem;margin:0 auto;padding:0.75rem 1rem">'
            f"<h1>RF-2026-0042</h1>{route_map_svg(route, VIEWS, lang)}{table}</main></body></html>")
    path = tmp_path / f"request-{lang}.html"
    path.write_text(html, encoding="utf-8")
    return path.as_uri()


@pytest.mark.parametrize("lang, name", [("en", "Route map: Order approval, version 3"),
                                        ("ru", "Карта маршрута: Согласование заказа, версия 3")])
def test_the_map_is_drawn_and_named_for_a_screen_reader(page, tmp_path, lang, name):
    page.goto(_page_file(tmp_path, lang))
    image = page.get_by_role("img", name=name)
    expect(image).to_be_visible()
    box = image.bounding_box()
    assert box["width"] > 200 and box["height"] > 200
    assert page.dialogs == [] and page.locator("img[src='x'], svg b").count() == 0


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_state_reads_as_text_even_in_greyscale(page, tmp_path, lang):
    page.goto(_page_file(tmp_path, lang))
    page.add_style_tag(content="html { filter: grayscale(1); }")
    assert page.evaluate("getComputedStyle(document.documentElement).filter") == "grayscale(1)"
    labels = TEXTS[lang]["states"]
    expected = {"approve": labels["done"], "summarize": labels["active"], "check": labels["rejected"],
                "acknowledge": labels["disabled"], "execute": labels["empty"]}
    for stage_id, label in expected.items():
        expect(page.locator(f"svg g[data-stage='{stage_id}'] text.stage-state", has_text=label)).to_be_visible()
    frames = page.evaluate("""() => [...document.querySelectorAll('svg g.stage > rect')].map(r => {
        const s = getComputedStyle(r); return [s.fill, s.strokeDasharray, s.strokeWidth].join('|'); })""")
    assert len(set(frames)) == 5, frames
    page.screenshot(path=str(SCREENSHOT.with_name(f"route_map_grey_{lang}.png")), full_page=True)


def test_on_a_phone_the_map_fits_the_screen_and_its_text_stays_readable(new_page, tmp_path):
    page = new_page(viewport={"width": 360, "height": 800}, device_scale_factor=2)
    page.goto(_page_file(tmp_path, "ru"))
    image = page.get_by_role("img", name="Карта маршрута: Согласование заказа, версия 3")
    expect(image).to_be_visible()
    assert image.bounding_box()["width"] <= 360 - 32 + 0.5
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('svg g.stage text')]
                                   .map(t => t.getBoundingClientRect().height))""")
    assert smallest >= 11
    expect(image.get_by_text("Ожидается от: Пётр Сидоров, Anna Lee", exact=True)).to_be_visible()
    page.screenshot(path=str(SCREENSHOT.with_name("route_map_phone.png")), full_page=True)


def test_the_analysis_is_a_table_with_its_caption_and_column_headers(page, tmp_path):
    page.goto(_page_file(tmp_path, "en"))
    table = page.get_by_role("table", name="Approval analysis: every visa per stage and cycle")
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader")).to_have_count(4)
    expect(table.get_by_role("rowheader", name="<b>Ivan</b> & Co")).to_be_visible()
    expect(table.get_by_text("2026-03-02 07:15")).to_be_visible()
    expect(table.get_by_text("<img src=x onerror=alert(1)> the credit limit is exceeded")).to_be_visible()
    assert page.dialogs == []
    page.set_viewport_size({"width": 900, "height": 1000})
    page.screenshot(path=str(SCREENSHOT), full_page=True)
