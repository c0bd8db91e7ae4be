"""A manager's digest (mail, page, terminal): periods, the view model, the CSV. Pure.

Aggregates are per UTC day, so a period is a run of UTC days: for a scheduled digest, the days of the
manager's previous local day or week (Monday to Sunday) in their time zone.
"""
from __future__ import annotations

import csv
import io
from dataclasses import asdict
from datetime import date, datetime, timedelta

from .metrics import Durations, Figures, Report

PERIOD_DAYS = {"day": 1, "daily": 1, "week": 7, "weekly": 7, "month": 30}

TEXTS = {
    "en": {"title": "Desk digest", "period": "Period", "previous": "previous period", "headline": "Headline figures",
           "figure": "Figure", "value": "This period", "before": "Previous", "change": "Change",
           "received": "Requests received", "resolved": "Requests resolved",
           "frt_mean": "First response, mean", "frt_median": "First response, median",
           "res_mean": "Resolution, mean", "res_median": "Resolution, median",
           "csat": "CSAT (answers 4–5)", "csat_mean": "CSAT, mean score", "fcr": "First-contact resolution",
           "repeats": "Repeat contacts (incl. reopens)", "on_time": "Resolved on time", "red_zone": "Red-zone alerts",
           "cost": "Cost per request", "staff": "Staff", "person": "Person", "assigned": "Assigned",
           "score": "Score", "stages": "Stage bottlenecks", "stage": "Stage", "waiting": "Waiting now",
           "decided": "Decided", "median": "Median", "p90": "p90", "overdue": "Overdue now",
           "red": "Red zone now", "due": "Due", "assignee": "Assignee", "none": "None.",
           "conversion": "Orders: conversion", "orders": "Orders", "approved": "Approved",
           "executions": "Execution started", "score_formula": "Score",
           "formula": "Score = 100 × (0.4 × resolved ÷ most resolved + 0.3 × on-time share + 0.2 × (mean CSAT − 1) ÷ 4 "
                      "+ 0.1 × first-contact share); parts without data are left out and the rest reweighted.",
           "csv": "The rows are attached as CSV.", "open_page": "Open the digest page", "subject": "Desk digest"},
    "ru": {"title": "Сводка по заявкам", "period": "Период", "previous": "прошлый период", "headline": "Главные показатели",
           "figure": "Показатель", "value": "Этот период", "before": "Прошлый", "change": "Изменение",
           "received": "Получено заявок", "resolved": "Решено заявок",
           "frt_mean": "Первый ответ, среднее", "frt_median": "Первый ответ, медиана",
           "res_mean": "Решение, среднее", "res_median": "Решение, медиана",
           "csat": "CSAT (оценки 4–5)", "csat_mean": "CSAT, средняя оценка", "fcr": "Решено с первого контакта",
           "repeats": "Повторные обращения (с переоткрытиями)", "on_time": "Решено в срок", "red_zone": "Красная зона",
           "cost": "Стоимость заявки", "staff": "Сотрудники", "person": "Сотрудник", "assigned": "Назначено",
           "score": "Оценка", "stages": "Узкие места этапов", "stage": "Этап", "waiting": "Ждут сейчас",
           "decided": "Решено", "median": "Медиана", "p90": "p90", "overdue": "Просрочены сейчас",
           "red": "В красной зоне сейчас", "due": "Срок", "assignee": "Исполнитель", "none": "Нет.",
           "conversion": "Заказы: конверсия", "orders": "Заказы", "approved": "Согласованы",
           "executions": "Исполнение начато", "score_formula": "Оценка",
           "formula": "Оценка = 100 × (0,4 × решено ÷ максимум решённых + 0,3 × доля в срок + 0,2 × (средний CSAT − 1) ÷ 4 "
                      "+ 0,1 × доля с первого контакта); части без данных не учитываются, остальные веса пересчитываются.",
           "csv": "Строки приложены в CSV.", "open_page": "Открыть страницу сводки", "subject": "Сводка по заявкам"},
    "zh": {"title": "服务台摘要", "period": "期间", "previous": "上一期间", "headline": "主要指标",
           "figure": "指标", "value": "本期", "before": "上期", "change": "变化",
           "received": "收到的请求", "resolved": "已解决的请求",
           "frt_mean": "首次答复，平均", "frt_median": "首次答复，中位数",
           "res_mean": "解决，平均", "res_median": "解决，中位数",
           "csat": "满意度（4–5 分）", "csat_mean": "满意度，平均分", "fcr": "首次接触解决率",
           "repeats": "重复联系（含重新打开）", "on_time": "按时解决", "red_zone": "红色区域警报",
           "cost": "每个请求的成本", "staff": "员工", "person": "员工", "assigned": "已分配",
           "score": "评分", "stages": "阶段瓶颈", "stage": "阶段", "waiting": "当前等待",
           "decided": "已决定", "median": "中位数", "p90": "p90", "overdue": "当前逾期",
           "red": "当前红色区域", "due": "截止", "assignee": "负责人", "none": "无。",
           "conversion": "订单转化", "orders": "订单", "approved": "已批准",
           "executions": "已开始执行", "score_formula": "评分",
           "formula": "评分 = 100 × (0.4 × 解决数 ÷ 最多解决数 + 0.3 × 按时比例 + 0.2 × (平均满意度 − 1) ÷ 4 "
                      "+ 0.1 × 首次接触解决比例)；无数据的部分不计，其余权重按比例放大。",
           "csv": "明细以 CSV 附件提供。", "open_page": "打开摘要页面", "subject": "服务台摘要"},
}


def texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS["en"])


def days_ending(end: date, length: int) -> list[str]:
    return [(end - timedelta(days=length - 1 - i)).isoformat() for i in range(length)]


def rolling_period(now: datetime, period: str) -> tuple[list[str], list[str]]:
    """The page's and the terminal's period: the `period` days up to today (UTC), and the one before."""
    length = PERIOD_DAYS[period]
    today = now.date()
    return days_ending(today, length), days_ending(today - timedelta(days=length), length)


def due_period(now: datetime, period: str, time_zone: str, hour: int) -> tuple[str, list[str], list[str]] | None:
    """The completed period a scheduled digest is due for at `now`: (its key, its days, the previous
    period's days), or None before `hour` (weekly: of Monday's, or later in the week) in `time_zone`."""
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo(time_zone))
    length = PERIOD_DAYS[period]
    if period in ("weekly", "week"):
        monday = local.date() - timedelta(days=local.weekday())
        if local.date() == monday and local.hour < hour:
            return None
        end = monday - timedelta(days=1)
    else:
        if local.hour < hour:
            return None
        end = local.date() - timedelta(days=1)
    days = days_ending(end, length)
    return days[0], days, days_ending(end - timedelta(days=length), length)


def _hours(minutes: float | int | None) -> str:
    if minutes is None:
        return "—"
    return f"{minutes / 60:.1f} h" if minutes >= 60 else f"{minutes:.0f} min"


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


def _num(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else (f"{value:.{digits}f}" if digits else f"{value:.0f}")


def _change(now: float | None, before: float | None, fmt) -> str:
    if now is None or before is None:
        return "—"
    delta = now - before
    if abs(delta) < 1e-9:
        return "±0"
    return ("+" if delta > 0 else "−") + fmt(abs(delta))


def headline(f: Figures, p: Figures, currency: str) -> list[tuple[str, str, str, str, float | None]]:
    """(key, value, previous, change, raw value) per headline figure."""
    money = lambda v: "—" if v is None else f"{v:.2f} {currency}"  # noqa: E731
    rows = [
        ("received", f.received, p.received, _num), ("resolved", f.resolved, p.resolved, _num),
        ("frt_mean", f.first_response.mean, p.first_response.mean, _hours),
        ("frt_median", f.first_response.median, p.first_response.median, _hours),
        ("res_mean", f.resolution.mean, p.resolution.mean, _hours),
        ("res_median", f.resolution.median, p.resolution.median, _hours),
        ("csat", f.csat_share, p.csat_share, _pct), ("csat_mean", f.csat_mean, p.csat_mean, lambda v: _num(v, 2)),
        ("fcr", f.fcr_share, p.fcr_share, _pct), ("on_time", f.on_time_share, p.on_time_share, _pct),
        ("repeats", f.repeats, p.repeats, _num), ("red_zone", f.red_zone, p.red_zone, _num),
        ("cost", f.cost_per_request, p.cost_per_request, money),
    ]
    return [(key, fmt(now), fmt(before), _change(now, before, fmt), now) for key, now, before, fmt in rows]


def _bar(value: float, most: float) -> int:
    """Width in percent of an email-safe bar (a table cell of that width)."""
    return max(1, round(100 * value / most)) if most and value else 0


def digest_view(report: Report, *, lang: str, currency: str, overdue: list[dict], red_zone: list[dict],
                link, title_suffix: str = "") -> dict:
    """The digest's view model. `overdue`/`red_zone`: request items; `link(request_id)`: its page's URL."""
    t = texts(lang)
    rows = headline(report.figures, report.previous, currency)
    most_resolved = max((r.resolved for r in report.staff), default=0)
    most_stage = max((r.p90 or 0 for r in report.stages), default=0)
    f = report.figures
    conversion_top = max(f.orders, f.approved, f.executions, 1)
    return {
        "lang": lang, "t": t, "title": t["title"] + title_suffix,
        "period": f"{report.days[0]} – {report.days[-1]}" if report.days else "",
        "headline": [{"label": t[k], "key": k, "value": v, "previous": b, "change": c} for k, v, b, c, _ in rows],
        "staff": [{**asdict(r), "on_time": _pct(r.on_time_share), "csat": _pct(r.csat_share),
                   "fcr": _pct(r.fcr_share), "frt_median": _hours(r.first_response_median),
                   "bar": _bar(r.resolved, most_resolved)} for r in report.staff],
        "stages": [{"stage": r.stage, "name": r.name, "waiting": r.waiting_now, "decided": r.decided,
                    "median": _hours(r.median), "p90": _hours(r.p90), "bar": _bar(r.p90 or 0, most_stage)}
                   for r in report.stages],
        "overdue": [_listed(r, link) for r in overdue],
        "red_zone": [_listed(r, link) for r in red_zone],
        "conversion": [{"label": t[k], "value": v, "bar": _bar(v, conversion_top)}
                       for k, v in (("orders", f.orders), ("approved", f.approved), ("executions", f.executions))],
        "formula": t["formula"],
    }


def _listed(item: dict, link) -> dict:
    return {"ticket": item.get("ticket") or item.get("request_id"), "subject": item.get("subject", ""),
            "assignee": item.get("assignee", ""), "due": item.get("GSI2SK") or item.get("due_resolution", ""),
            "status": item.get("status", ""), "url": link(item.get("request_id"))}


def csv_rows(view: dict) -> str:
    """The digest's rows as CSV: section, name, and the figures of the row."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["section", "name", "value", "previous", "change"])
    for h in view["headline"]:
        w.writerow(["headline", h["key"], h["value"], h["previous"], h["change"]])
    w.writerow(["section", "staff_id", "assigned", "resolved", "on_time", "csat", "csat_mean", "fcr",
                "first_response_median", "red_zone", "score"])
    for s in view["staff"]:
        w.writerow(["staff", s["staff_id"], s["assigned"], s["resolved"], s["on_time"], s["csat"],
                    "" if s["csat_mean"] is None else f"{s['csat_mean']:.2f}", s["fcr"], s["frt_median"],
                    s["red_zone"], s["score"]])
    w.writerow(["section", "stage", "waiting_now", "decided", "median", "p90"])
    for s in view["stages"]:
        w.writerow(["stage", s["stage"], s["waiting"], s["decided"], s["median"], s["p90"]])
    w.writerow(["section", "ticket", "status", "assignee", "due", "subject"])
    for kind in ("overdue", "red_zone"):
        for r in view[kind]:
            w.writerow([kind, r["ticket"], r["status"], r["assignee"], r["due"], r["subject"]])
    w.writerow(["section", "step", "count"])
    for c in view["conversion"]:
        w.writerow(["conversion", c["label"], c["value"]])
    return out.getvalue()


def report_json(report: Report) -> dict:
    """The digest as plain data (`./rf digest --json`): figures, the previous period, staff, stages."""
    def fig(f: Figures) -> dict:
        d = asdict(f)
        return d
    return {"days": report.days, "figures": fig(report.figures), "previous": fig(report.previous),
            "staff": [asdict(r) for r in report.staff], "stages": [asdict(r) for r in report.stages]}


__all__ = ["Durations", "digest_view", "csv_rows", "report_json", "due_period", "rolling_period", "texts"]
