"""The "四个一" reports (教基厅函〔2024〕15号): 学校一月一报告, 县区一季度一复核.

Both are tables built from the cases and their history for a period: cases by
state at the end of the period, cases opened, persuasion attempts, children
returned or placed, cases closed in the period, and cases overdue — per school
for the school's monthly report, per township for the county's quarterly review.
Written as CSV or XLSX (Chinese headers).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from junheng.care.programme import KONGCHUO, Programme
from junheng.domain.textsafe import csv_safe_frame, neutralise_workbook

HEADERS = {"unit": "单位", "cases": "案例数", "opened": "本期新增", "attempts": "本期劝返次数",
           "placed": "本期复学/安置", "closed": "本期销号", "overdue": "逾期未办", "open_at_end": "期末在办"}


def period_of_month(month: str) -> tuple[dt.date, dt.date]:
    """``"2026-09"`` → (2026-09-01, 2026-10-01)."""
    y, m = (int(x) for x in month.split("-"))
    start = dt.date(y, m, 1)
    return start, dt.date(y + (m == 12), m % 12 + 1, 1)


def period_of_quarter(quarter: str) -> tuple[dt.date, dt.date]:
    """``"2026Q3"`` → (2026-07-01, 2026-10-01)."""
    y, q = quarter.upper().split("Q")
    start_m = 3 * (int(q) - 1) + 1
    start = dt.date(int(y), start_m, 1)
    end_m = start_m + 3
    return start, dt.date(int(y) + (end_m > 12), (end_m - 1) % 12 + 1, 1)


def case_report(cases: pd.DataFrame, events: pd.DataFrame, *, start: dt.date, end: dt.date, by: str,
                programme: Programme = KONGCHUO) -> pd.DataFrame:
    """One row per ``by`` unit (``school_code`` or ``township_code``) for the period [start, end); one column per
    state of ``programme``; "closed" and "open at the end" follow its terminal states."""
    states = list(programme.state_codes)
    terminal = [s.code for s in programme.states if s.terminal]
    if cases.empty:
        return pd.DataFrame(columns=["unit", *HEADERS.keys(), *states][:1] + list(HEADERS)[1:] + states)
    ev = events.copy()
    ev["at"] = pd.to_datetime(ev["at"])
    in_period = (ev["at"] >= pd.Timestamp(start)) & (ev["at"] < pd.Timestamp(end))
    # state of each case at the end of the period: its last event before ``end``
    before = ev[ev["at"] < pd.Timestamp(end)].sort_values(["case_id", "seq"])
    state_at_end = before.groupby("case_id")["to_state"].last()
    c = cases[cases["id"].isin(state_at_end.index)].copy()
    c["unit"] = c[by].fillna("（未知）")
    c["state_end"] = c["id"].map(state_at_end)
    unit_of = c.set_index("id")["unit"]
    pe = ev[in_period & ev["case_id"].isin(c["id"])].assign(unit=lambda d: d["case_id"].map(unit_of))
    last_day = end - dt.timedelta(days=1)
    dl = pd.to_datetime(c["deadline"])
    c["overdue"] = ~c["state_end"].isin(terminal) & dl.notna() & (dl < pd.Timestamp(last_day))
    out = pd.DataFrame({"unit": sorted(c["unit"].unique())}).set_index("unit")
    out["cases"] = c.groupby("unit").size()
    out["opened"] = pe[pe["action"] == "open"].groupby("unit").size()
    out["attempts"] = pe[pe["action"] == "attempt"].groupby("unit").size()
    out["placed"] = pe[pe["action"] == "place"].groupby("unit").size()
    out["closed"] = pe[pe["to_state"].isin(terminal)].groupby("unit").size()
    out["overdue"] = c[c["overdue"]].groupby("unit").size()
    out["open_at_end"] = c[~c["state_end"].isin(terminal)].groupby("unit").size()
    for s in states:
        out[s] = c[c["state_end"] == s].groupby("unit").size()
    return out.fillna(0).astype(int).reset_index()


def write_report(report: pd.DataFrame, path: str | Path, *, title: str, programme: Programme = KONGCHUO) -> Path:
    """Write with Chinese headers (the state columns by the programme's labels): ``.xlsx`` (title in the sheet
    name) or ``.csv``."""
    path = Path(path)
    zh = report.rename(columns={**HEADERS, **{s.code: s.label.zh for s in programme.states}})
    if path.suffix.lower() == ".xlsx":
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            zh.to_excel(xw, sheet_name=title[:31], index=False)
            neutralise_workbook(xw.book)  # unit names come from users: never a live formula
    else:
        csv_safe_frame(zh).to_csv(path, index=False, encoding="utf-8-sig")
    return path
