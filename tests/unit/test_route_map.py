"""The route map a member of staff sees on a request, and the approval analysis beside it."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from chalicelib.core.render import Templates
from chalicelib.core.routes.analysis import analysis_view
from chalicelib.core.routes.model import RouteVersion, StageSpec
from chalicelib.core.routes.route_map import StageView, describe, route_map_svg, wrap

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = ["<script>alert(1)</script>", "Tom & Jerry", 'O"Brien <b>', "Ли\x00\x07 Вэй", "]]> <!-- &amp;"]


def stage(id_, names, kind="approve", **extra):
    return StageSpec(id_, names, kind, ("role:sales",), **extra)


def order_route() -> RouteVersion:
    return RouteVersion("order-approval", 3, {"en": "Order approval", "ru": "Согласование заказа", "zh": "订单审批"}, (
        stage("approve", {"en": "Approve the order", "ru": "Согласовать заказ", "zh": "审批订单"}),
        stage("summarize", {"en": "Summarize the approval", "ru": "Подвести итоги согласования", "zh": "汇总审批"},
              "summarize", on_reject="approve"),
        stage("acknowledge", {"en": "Acknowledge the results", "ru": "Ознакомиться с результатами", "zh": "知悉结果"},
              "acknowledge", condition={"priority": ["high"]}),
        stage("execute", {"en": "Start execution", "ru": "Начать исполнение", "zh": "开始执行"}, "execute"),
    ))


def complaint_route() -> RouteVersion:
    return RouteVersion("complaint", 1, {"en": "Complaint", "ru": "Претензия", "zh": "投诉"}, (
        stage("investigate", {"en": "Investigate", "ru": "Расследование отделом", "zh": "部门调查"}, "investigate"),
    ))


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> str:
    return "\n".join("".join(node.itertext()) for node in root.iter(f"{SVG}text"))


def stage_groups(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-stage"): g for g in root.iter(f"{SVG}g") if g.get("data-stage")}


MIXED = [StageView("approve", "done", 2, (), ("Olga Petrova",)),
         StageView("summarize", "active", 2, ("Ivan Sidorov", "Li Wei"), ()),
         StageView("acknowledge", "disabled")]


@pytest.mark.parametrize("lang", ["en", "ru", "zh"])
def test_the_map_is_well_formed_svg_named_and_described_in_the_page_language(lang):
    root = parse(route_map_svg(order_route(), MIXED, lang))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == title.get("id") and root.get("aria-describedby") == desc.get("id")
    route_title = order_route().title[lang]
    assert route_title in title.text
    for s in order_route().stages:
        assert s.name[lang] in desc.text


@pytest.mark.parametrize("lang, done, active, disabled, empty", [
    ("en", "Done", "In progress", "Skipped by condition", "Not started"),
    ("ru", "Выполнен", "Выполняется", "Пропущен по условию", "Не начат"),
    ("zh", "已完成", "进行中", "按条件跳过", "未开始"),
])
def test_every_stage_is_drawn_with_its_state_in_words(lang, done, active, disabled, empty):
    root = parse(route_map_svg(order_route(), MIXED, lang))
    groups = stage_groups(root)
    assert list(groups) == ["approve", "summarize", "acknowledge", "execute"]
    expected = {"approve": done, "summarize": active, "acknowledge": disabled, "execute": empty}
    for stage_id, label in expected.items():
        assert label in texts(groups[stage_id])
        assert groups[stage_id].get("data-state") in {"done", "active", "disabled", "empty"}


def test_the_active_stage_names_who_must_act_and_a_done_one_who_decided():
    groups = stage_groups(parse(route_map_svg(order_route(), MIXED, "en")))
    assert "Ivan Sidorov" in texts(groups["summarize"]) and "Li Wei" in texts(groups["summarize"])
    assert "Olga Petrova" in texts(groups["approve"])
    assert "Ivan" not in texts(groups["approve"])


@pytest.mark.parametrize("lang, word", [("en", "cycle 2"), ("ru", "цикл 2"), ("zh", "第 2 轮")])
def test_a_second_cycle_is_shown_and_a_first_is_not(lang, word):
    groups = stage_groups(parse(route_map_svg(order_route(), MIXED, lang)))
    assert word in texts(groups["summarize"])
    assert word.replace("2", "1") not in texts(parse(route_map_svg(order_route(), [], lang)))


def test_each_state_looks_different_without_colour():
    views = [StageView("approve", "done"), StageView("summarize", "rejected"),
             StageView("acknowledge", "disabled"), StageView("execute", "active")]
    root = parse(route_map_svg(order_route(), views, "en"))
    styles = set()
    for group in stage_groups(root).values():
        box = group.find(f"{SVG}rect")
        styles.add((box.get("fill"), box.get("stroke-dasharray"), box.get("stroke-width")))
    empty = stage_groups(parse(route_map_svg(order_route(), [], "en")))["approve"].find(f"{SVG}rect")
    styles.add((empty.get("fill"), empty.get("stroke-dasharray"), empty.get("stroke-width")))
    assert len(styles) == 5


def test_hatching_patterns_are_defined_for_what_is_done_and_what_was_rejected():
    root = parse(route_map_svg(order_route(), [StageView("approve", "done"), StageView("summarize", "rejected")],
                               "en"))
    patterns = {p.get("id") for p in root.iter(f"{SVG}pattern")}
    for group in stage_groups(root).values():
        fill = group.find(f"{SVG}rect").get("fill")
        if fill.startswith("url(#"):
            assert fill[5:-1] in patterns
    assert len(patterns) == 2


def test_a_rejection_that_returns_to_an_earlier_stage_is_drawn_as_a_back_arrow():
    root = parse(route_map_svg(order_route(), [StageView("approve", "done"), StageView("summarize", "rejected")],
                               "ru"))
    backs = [p for p in root.iter(f"{SVG}path") if p.get("class") == "arrow-back"]
    assert [(p.get("data-from"), p.get("data-to")) for p in backs] == [("summarize", "approve")]
    assert "назад к этапу 1" in texts(stage_groups(root)["summarize"])
    assert "Отклонён" in texts(stage_groups(root)["summarize"])


def test_two_rejections_going_back_run_in_lanes_of_their_own():
    route = RouteVersion("r", 1, {"en": "R"}, (
        stage("a", {"en": "A"}, "investigate"), stage("b", {"en": "B"}),
        stage("c", {"en": "C"}, on_reject="b"), stage("d", {"en": "D"}, "summarize", on_reject="a")))
    root = parse(route_map_svg(route, [], "en"))
    backs = {(p.get("data-from"), p.get("data-to")): p.get("d") for p in root.iter(f"{SVG}path")
             if p.get("class") == "arrow-back"}
    assert set(backs) == {("c", "b"), ("d", "a")}
    lanes = {edge: re.search(r"H([\d.]+) V", d).group(1) for edge, d in backs.items()}
    assert float(lanes[("c", "b")]) < float(lanes[("d", "a")]), "the shorter return runs inside the longer"
    assert float(lanes[("d", "a")]) < float(root.get("viewBox").split()[2])


def test_a_long_route_title_wraps_instead_of_running_off_the_map():
    title = "Complaint about a delivery that arrived damaged and late, version for key accounts"
    root = parse(route_map_svg(RouteVersion("r", 7, {"en": title}, (stage("a", {"en": "A"}),)), [], "en"))
    heading = [t.text for t in root.findall(f"{SVG}text") if t.get("font-size") == "14"]
    assert len(heading) > 1 and " ".join(heading).startswith(title)


def test_a_rejection_that_ends_the_route_has_no_back_arrow_and_no_legend_for_one():
    root = parse(route_map_svg(complaint_route(), [StageView("investigate", "active", 1, ("Anna",))], "en"))
    assert not [p for p in root.iter(f"{SVG}path") if p.get("class") == "arrow-back"]
    assert "back on rejection" not in texts(root)


def test_a_one_stage_route_has_no_arrows_and_a_legend():
    root = parse(route_map_svg(complaint_route(), [StageView("investigate", "active", 1, ("Anna",))], "zh"))
    assert list(stage_groups(root)) == ["investigate"]
    assert not [line for line in root.iter(f"{SVG}line") if line.get("class") == "arrow-next"]
    assert "图例" in texts(root) and "等待处理人：Anna" in texts(root)


def test_a_four_stage_route_has_an_arrow_between_each_pair_of_stages():
    root = parse(route_map_svg(order_route(), MIXED, "en"))
    assert len([line for line in root.iter(f"{SVG}line") if line.get("class") == "arrow-next"]) == 3


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_stay_text_and_the_svg_stays_well_formed(name):
    route = RouteVersion(f"r{name}", 1, {"en": name}, (stage("approve", {"en": name}),))
    svg = route_map_svg(route, [StageView("approve", "active", 1, (name, "Olga"))], "en")
    root = parse(svg)
    assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))
    visible = name.replace("\x00", "").replace("\x07", "")
    assert visible in root.find(f"{SVG}desc").text
    assert visible.split()[0] in texts(root)
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert all(" " not in i and "<" not in i for i in ids)


def test_the_map_fits_a_phone_screen_without_shrinking_text_below_reading_size():
    long = "Согласование начальником коммерческого отдела и финансовым директором"
    route = RouteVersion("long", 1, {"en": "Long"}, (stage("a", {"en": long}), stage("b", {"en": "Next"})))
    root = parse(route_map_svg(route, [StageView("a", "active", 1, tuple(f"Сотрудник{i}" for i in range(8)))],
                               "en"))
    width = float(root.get("viewBox").split()[2])
    assert width <= 420
    smallest = min(float(t.get("font-size")) for t in root.iter(f"{SVG}text"))
    assert smallest * 328 / width >= 9.5
    assert long in " ".join(texts(stage_groups(root)["a"]).split("\n"))


@pytest.mark.parametrize("text, width", [("Согласование начальником коммерческого отдела", 150),
                                         ("部门经理与财务总监共同审批订单的第二阶段", 120),
                                         ("Wolfeschlegelsteinhausenbergerdorff", 100)])
def test_long_names_wrap_into_lines_that_fit_and_lose_nothing(text, width):
    lines = wrap(text, width, 13)
    assert len(lines) > 1
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_a_stage_view_for_a_stage_the_route_does_not_have_is_refused():
    with pytest.raises(ValueError):
        route_map_svg(order_route(), [StageView("nonexistent", "done")], "en")
    with pytest.raises(ValueError):
        route_map_svg(order_route(), [StageView("approve", "finished")], "en")


@pytest.mark.parametrize("lang, now", [("en", "Now at stage 2"), ("ru", "Сейчас этап 2"), ("zh", "当前为第 2 阶段")])
def test_the_description_says_where_the_request_is_now(lang, now):
    assert now in describe(order_route(), MIXED, lang)


def test_an_unknown_language_falls_back_to_english():
    assert "Route map" in parse(route_map_svg(order_route(), MIXED, "de")).find(f"{SVG}title").text


# The analysis

NAMES = {"olga": "Ольга Петрова", "ivan": "Ivan <Boss> & Co", "petr": "Пётр", "li": "李伟"}


def task(stage_id, cycle, person, state="done", decision=None, *, at=None, comment=None, note=None):
    return {"stage": stage_id, "cycle": cycle, "person": person, "state": state, "decision": decision,
            "comment": comment, "decided_at": at, "note": note}


TASKS = [
    task("summarize", 2, "petr", "open"),
    task("summarize", 1, "petr", decision="reject", at="2026-03-02T10:15:00+03:00", comment="Price too high"),
    task("approve", 1, "ivan", "closed", note="decided by olga"),
    task("approve", 1, "olga", decision="approve", at="2026-03-01T09:00:00Z"),
    task("approve", 2, "olga", decision="approve", at="2026-03-03T08:00:00"),
    task("summarize", 2, "li", "closed", "approve", at="2026-03-04T08:00:00Z", note="default"),
]


def test_visas_are_grouped_per_stage_and_cycle_in_route_order():
    view = analysis_view(order_route(), TASKS, NAMES, "en")
    assert [(g["stage_id"], g["cycle"]) for g in view] == [("approve", 1), ("approve", 2), ("summarize", 1),
                                                           ("summarize", 2)]
    assert [v["who"] for v in view[0]["visas"]] == ["Ольга Петрова", "Ivan <Boss> & Co"]
    assert [v["who"] for v in view[3]["visas"]] == ["李伟", "Пётр"]


def test_each_stage_cycle_is_summed_up():
    view = analysis_view(order_route(), TASKS, NAMES, "en")
    assert [g["outcome"] for g in view] == ["approved", "approved", "rejected", "waiting"]
    assert view[3]["counts"] == "approved: 1, waiting: 1"
    assert view[2]["counts"] == "", "one visa needs no count beside its outcome"


def test_times_are_shown_in_utc_to_the_minute():
    view = analysis_view(order_route(), TASKS, NAMES, "en")
    assert view[2]["visas"][0]["when"] == "2026-03-02 07:15"
    assert view[1]["visas"][0]["when"] == "2026-03-03 08:00"
    assert view[3]["visas"][1]["when"] == ""


@pytest.mark.parametrize("lang, approved, rejected, waiting, closed, default, decided_by", [
    ("en", "Approved", "Rejected", "Waiting", "Closed without decision", "Decided by default", "decided by Ольга"),
    ("ru", "Согласовано", "Отклонено", "Ожидает", "Закрыто без решения", "Решено по умолчанию",
     "решение принял(а) Ольга"),
    ("zh", "已批准", "已驳回", "等待中", "未决定即关闭", "按默认决定", "由 Ольга Петрова 决定"),
])
def test_decisions_and_notes_are_in_the_page_language(lang, approved, rejected, waiting, closed, default,
                                                       decided_by):
    view = analysis_view(order_route(), TASKS, NAMES, lang)
    visas = {(g["stage_id"], g["cycle"], v["who"]): v for g in view for v in g["visas"]}
    assert visas[("approve", 1, "Ольга Петрова")]["decision"] == approved
    assert visas[("summarize", 1, "Пётр")]["decision"] == rejected
    assert visas[("summarize", 2, "Пётр")]["decision"] == waiting
    assert visas[("approve", 1, "Ivan <Boss> & Co")]["decision"] == closed
    assert visas[("approve", 1, "Ivan <Boss> & Co")]["note"].startswith(decided_by)
    assert visas[("summarize", 2, "李伟")]["decision"].startswith(default)
    assert approved in visas[("summarize", 2, "李伟")]["decision"]


@pytest.mark.parametrize("kind, decision, en, ru", [("acknowledge", "read", "Read", "Ознакомлен(а)"),
                                                    ("execute", "start", "Started", "Начато"),
                                                    ("investigate", "answer", "Answered", "Ответ дан")])
def test_stages_that_are_not_approvals_complete_rather_than_approve(kind, decision, en, ru):
    route = RouteVersion("r", 1, {"en": "R"}, (stage("s", {"en": "S", "ru": "С"}, kind),))
    tasks = [task("s", 1, "olga", decision=decision, at="2026-01-05T12:00:00Z"),
             task("s", 1, "petr", decision=decision, at="2026-01-05T12:30:00Z")]
    assert analysis_view(route, tasks, NAMES, "en")[0]["visas"][0]["decision"] == en
    assert analysis_view(route, tasks, NAMES, "en")[0]["summary"] == "Completed"
    assert analysis_view(route, tasks, NAMES, "ru")[0]["visas"][0]["decision"] == ru
    assert analysis_view(route, tasks, NAMES, "ru")[0]["counts"] == "выполнили: 2"


def test_in_an_any_stage_the_first_decision_decides():
    route = RouteVersion("r", 1, {"en": "R"}, (stage("s", {"en": "S"}, mode="any"),))
    tasks = [task("s", 1, "ivan", decision="approve", at="2026-01-05T12:05:00Z"),
             task("s", 1, "olga", decision="reject", at="2026-01-05T12:00:00Z")]
    assert analysis_view(route, tasks, NAMES, "en")[0]["outcome"] == "rejected"
    tasks[0]["decided_at"] = "2026-01-05T11:00:00Z"
    assert analysis_view(route, tasks, NAMES, "en")[0]["outcome"] == "approved"


def test_the_first_decision_is_the_earliest_moment_whatever_the_offsets():
    route = RouteVersion("r", 1, {"en": "R"}, (stage("s", {"en": "S"}, mode="any"),))
    tasks = [task("s", 1, "ivan", decision="approve", at="2026-01-05T12:00:00Z"),
             task("s", 1, "olga", decision="reject", at="2026-01-05T14:00:00+03:00"),
             task("s", 1, "li", decision="approve", at="2026-01-05T19:30:00+08:00")]
    group = analysis_view(route, tasks, NAMES, "en")[0]
    assert [v["who"] for v in group["visas"]] == ["Ольга Петрова", "李伟", "Ivan <Boss> & Co"]
    assert group["outcome"] == "rejected"


def test_a_cycle_closed_with_nobody_deciding_says_so():
    view = analysis_view(order_route(), [task("approve", 1, "olga", "closed")], NAMES, "en")
    assert view[0]["outcome"] == "closed" and view[0]["summary"] == "Closed without decision"


def test_a_person_missing_from_staff_is_shown_by_their_id():
    view = analysis_view(order_route(), [task("approve", 1, "gone", "open")], NAMES, "en")
    assert view[0]["visas"][0]["who"] == "gone"


@pytest.mark.parametrize("lang, caption, column", [("en", "Approval analysis", "Decision"),
                                                   ("ru", "Анализ согласования", "Решение"),
                                                   ("zh", "审批分析", "决定")])
def test_the_analysis_table_has_a_caption_and_scoped_headers_in_the_page_language(lang, caption, column):
    html = Templates().render("pages/_analysis.html.j2", analysis=analysis_view(order_route(), TASKS, NAMES, lang),
                              lang=lang)
    assert "<caption" in html and caption in html
    assert re.search(f'<th scope="col"[^>]*>{column}</th>', html)
    assert html.count('scope="rowgroup"') == 4 and html.count('scope="row"') == 6
    assert "Ivan &lt;Boss&gt; &amp; Co" in html and "<Boss>" not in html


def test_the_analysis_of_a_request_nobody_acted_on_says_so():
    html = Templates().render("pages/_analysis.html.j2", analysis=[], lang="ru")
    assert "<table" not in html and "Пока никому не назначено действие." in html


@pytest.mark.parametrize("lang, words", [("en", "by default"), ("ru", "по умолчанию"), ("zh", "默认")])
def test_results_tell_a_decision_taken_by_default_from_a_persons_visa(lang, words):
    from chalicelib.core.routes.mail import results_view

    tasks = [{"stage": "approve", "cycle": 1, "person": "maria", "state": "done", "decision": "approve",
              "decided_at": "2026-11-02T10:00:00Z"},
             {"stage": "approve", "cycle": 1, "person": "olga", "state": "closed", "decision": "approve",
              "note": "default", "decided_at": "2026-11-04T09:00:00Z"}]
    rows = {r["person"]: r["decision"] for r in results_view(order_route(), tasks, {}, lang)}
    assert words not in rows["maria"] and words in rows["olga"]
