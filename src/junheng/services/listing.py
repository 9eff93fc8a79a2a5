"""The one list component: paging, search, filters, sort and the Excel export of every list on the web.

API (for every page that shows a list; the template side is the macro file ``web/templates/_list.html``)::

    SPEC = ListSpec("schools", "学校", columns=(Column("code", "学校标识码"), Column("name", "学校名称"), ...),
                    filters=("township", "school_type"), search=("code", "name"), default_sort="code")
    lq = parse_query(SPEC, request.query_params)          # Invalid (422) on an unknown sort key or a bad page
    page = page_rows(rows, lq, SPEC)                      # rows: list of dicts (job JSON, CSV, computed rows)
    page = page_select(conn, stmt, lq, sort_columns={...}, search_columns=[...])   # rows from SQL
    content = export_xlsx(engine, actor, SPEC, rows, lq, org=...)                 # the filtered rows, audited

* :class:`ListQuery` (frozen) is what the user asked for: ``page``, ``per_page`` (at most :data:`MAX_PER_PAGE`),
  ``q`` (search text), ``filters`` (the spec's declared filter keys only), ``sort`` and ``desc``.  Sorting is on
  the spec's declared sortable columns only (a whitelist, as Datasette's ``_sort`` is checked against the
  table's columns); anything else is :class:`~junheng.services.errors.Invalid`, which the web shows as a 422.
* Two lists on one page keep apart by a ``prefix`` on their parameter names (``tr.page``, ``tr.sort``); the
  parameters of other lists and of the page (``job=…``) are kept in ``ListQuery.keep`` so that links carry them.
* :class:`Page` is one page of the result: ``rows``, ``total``, ``page``, ``per_page``, ``sort``, ``desc``.
* The export holds every filtered row (all pages) up to :data:`EXPORT_CAP`, with Chinese headers, the cells
  exactly as the page shows them (callers pass the rows the page pages: masked by the service that made them),
  formula-safe (:func:`junheng.domain.textsafe.neutralise_workbook`), and audited as ``file.download``
  (list name, row count, whether it was cut at the cap).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, Engine, Select, func, select
from sqlalchemy.sql.elements import ColumnElement

from junheng.domain.textsafe import neutralise_workbook
from junheng.services.authz import Actor
from junheng.services.errors import Invalid

#: Rows on one page at most (issue #13: "server-side paging (≤ 100 rows a page)").
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50
#: Rows in one export at most; a longer list is cut and the workbook says so.
EXPORT_CAP = 50_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MAX_TEXT = 64


@dataclass(frozen=True)
class Column:
    """A column of a list: the row key (the sort key), its Chinese header, whether the list may be sorted by it,
    and the row key of the cell shown and exported when that is not the sort key (a label for a code)."""

    key: str
    label: str
    sortable: bool = True
    show: str = ""

    @property
    def cell_key(self) -> str:
        return self.show or self.key


@dataclass(frozen=True)
class ListSpec:
    """What a list offers: its name (in the audit and the file name), title, columns, filters, search keys."""

    name: str
    title: str
    columns: tuple[Column, ...]
    filters: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    default_sort: str = ""
    default_desc: bool = False
    prefix: str = ""

    @property
    def sort_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.sortable)

    def param(self, name: str) -> str:
        return f"{self.prefix}{name}"


@dataclass(frozen=True)
class ListQuery:
    """One request for a list (see the module docstring); ``keep`` holds the parameters that are not the list's."""

    spec: ListSpec
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    q: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    sort: str = ""
    desc: bool = False
    keep: tuple[tuple[str, str], ...] = field(default=())

    def filter(self, key: str) -> str | None:
        """The value of filter ``key``, or None when it is not set."""
        return dict(self.filters).get(key)

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """This query as URL parameters (the kept ones first), with ``changes`` (page, sort, desc) applied."""
        s = self.spec
        now = {"page": self.page, "sort": self.sort, "desc": self.desc, **changes}
        own = [(s.param(k), v) for k, v in self.filters]
        if self.q:
            own.append((s.param("q"), self.q))
        if now["sort"]:
            own.append((s.param("sort"), str(now["sort"])))
            own.append((s.param("desc"), "1" if now["desc"] else "0"))
        if self.per_page != DEFAULT_PER_PAGE:
            own.append((s.param("per_page"), str(self.per_page)))
        if int(now["page"]) > 1:
            own.append((s.param("page"), str(now["page"])))
        return [*self.keep, *own]

    def url(self, path: str, **changes: Any) -> str:
        """``path`` with this query (and ``changes``) as its query string."""
        qs = urlencode(self.params(**changes))
        return f"{path}{'&' if '?' in path else '?'}{qs}" if qs else path

    def sort_url(self, path: str, key: str) -> str:
        """The link of a column header: sort by ``key``, ascending first, a second click reverses; page 1."""
        return self.url(path, sort=key, desc=(self.sort == key and not self.desc), page=1)


def _int(params: Mapping[str, str], name: str, default: int, hi: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise Invalid(f"参数 {name} 应为整数：{raw}", f"parameter {name} must be an integer: {raw}") from None
    if not 1 <= value <= hi:
        raise Invalid(f"参数 {name} 应在 1–{hi} 之间", f"parameter {name} must lie in 1..{hi}")
    return value


def parse_query(spec: ListSpec, params: Mapping[str, str]) -> ListQuery:
    """The :class:`ListQuery` of ``params`` (a request's query parameters), checked against ``spec``.

    An unknown sort key, a page or page size that is not a whole number in range is :class:`Invalid` (422).
    """
    sort = str(params.get(spec.param("sort")) or spec.default_sort)
    if sort and sort not in spec.sort_keys:
        allowed = "、".join(c.label for c in spec.columns if c.sortable)
        raise Invalid(f"无法按“{sort}”排序；可排序的列：{allowed}",
                      f"cannot sort by '{sort}'; sortable columns: {', '.join(spec.sort_keys)}")
    raw_desc = params.get(spec.param("desc"))
    desc = spec.default_desc if raw_desc in (None, "") else str(raw_desc).lower() in ("1", "true", "yes")
    filters = tuple((k, str(params[spec.param(k)]).strip()[:_MAX_TEXT]) for k in spec.filters
                    if str(params.get(spec.param(k)) or "").strip())
    own = {spec.param(k) for k in (*spec.filters, "q", "sort", "desc", "page", "per_page")}
    keep = tuple((k, str(v)) for k, v in _items(params) if k not in own and k != "list")
    return ListQuery(spec, page=_int(params, spec.param("page"), 1, 10**6),
                     per_page=_int(params, spec.param("per_page"), DEFAULT_PER_PAGE, MAX_PER_PAGE),
                     q=str(params.get(spec.param("q")) or "").strip()[:_MAX_TEXT], filters=filters, sort=sort,
                     desc=desc, keep=keep)


def _items(params: Mapping[str, str]) -> Iterable[tuple[str, str]]:
    multi = getattr(params, "multi_items", None)  # Starlette's QueryParams keeps repeated keys
    return multi() if callable(multi) else params.items()


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, how many rows the filtered list holds, and the page, size and sort."""

    rows: list[Any]
    total: int
    page: int
    per_page: int
    sort: str
    desc: bool

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# ---------------------------------------------------------------------------------------------------- in memory
def _text(v: Any) -> str:
    return "" if v is None else str(v)


def _missing(v: Any) -> bool:
    return v is None or v == "" or (isinstance(v, float) and v != v)


def filter_rows(rows: Iterable[Mapping[str, Any]], lq: ListQuery, *, exact: Sequence[str] = ()) -> list[Any]:
    """The rows that match the search text (a case-insensitive substring of any of the spec's search keys) and,
    for the filter keys in ``exact``, whose value equals the filter's; then sorted as asked (empty values last)."""
    q = lq.q.casefold()
    wanted = [(k, v) for k, v in lq.filters if k in exact]
    out = [r for r in rows
           if (not q or any(q in _text(r.get(k)).casefold() for k in lq.spec.search))
           and all(_text(r.get(k)) == v for k, v in wanted)]
    if not lq.sort:
        return out
    present = [r for r in out if not _missing(r.get(lq.sort))]
    absent = [r for r in out if _missing(r.get(lq.sort))]
    numeric = all(isinstance(r[lq.sort], (int, float)) and not isinstance(r[lq.sort], bool) for r in present)
    present.sort(key=(lambda r: r[lq.sort]) if numeric else (lambda r: _text(r[lq.sort])), reverse=lq.desc)
    return present + absent


def page_rows(rows: Iterable[Mapping[str, Any]], lq: ListQuery, *, exact: Sequence[str] = ()) -> Page:
    """One page of ``rows`` after :func:`filter_rows` (a page past the end shows the last page)."""
    matched = filter_rows(rows, lq, exact=exact)
    return slice_page(matched, lq)


def slice_page(matched: Sequence[Any], lq: ListQuery) -> Page:
    """One page of rows already filtered and sorted."""
    pages = max(1, -(-len(matched) // lq.per_page))
    page = min(lq.page, pages)
    start = (page - 1) * lq.per_page
    return Page(list(matched[start:start + lq.per_page]), len(matched), page, lq.per_page, lq.sort, lq.desc)


# ---------------------------------------------------------------------------------------------------- SQL
def _searched(stmt: Select[Any], lq: ListQuery, search_columns: Sequence[ColumnElement[Any]]) -> Select[Any]:
    if not lq.q or not search_columns:
        return stmt
    from sqlalchemy import or_

    needle = lq.q.lower()
    return stmt.where(or_(*(func.lower(c).contains(needle, autoescape=True) for c in search_columns)))


def select_all(conn: Connection, stmt: Select[Any], lq: ListQuery, *, sort_columns: Mapping[str, ColumnElement[Any]],
               search_columns: Sequence[ColumnElement[Any]] = (), tiebreak: Sequence[ColumnElement[Any]] = (),
               limit: int | None = None) -> list[dict[str, Any]]:
    """Every row of ``stmt`` that matches the search (``ilike`` on ``search_columns``), in the asked order."""
    stmt = _ordered(_searched(stmt, lq, search_columns), lq, sort_columns, tiebreak)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def _ordered(stmt: Select[Any], lq: ListQuery, sort_columns: Mapping[str, ColumnElement[Any]],
             tiebreak: Sequence[ColumnElement[Any]]) -> Select[Any]:
    order: list[Any] = []
    if lq.sort:
        col = sort_columns[lq.sort]
        order.append(col.desc() if lq.desc else col.asc())
    return stmt.order_by(*order, *tiebreak)


def page_select(conn: Connection, stmt: Select[Any], lq: ListQuery, *,
                sort_columns: Mapping[str, ColumnElement[Any]], search_columns: Sequence[ColumnElement[Any]] = (),
                tiebreak: Sequence[ColumnElement[Any]] = ()) -> Page:
    """One page of ``stmt`` in SQL: the search as ``ilike``, ``COUNT(*)``, ``ORDER BY``, ``LIMIT``/``OFFSET``."""
    searched = _searched(stmt, lq, search_columns)
    total = int(conn.execute(select(func.count()).select_from(searched.order_by(None).subquery())).scalar_one())
    pages = max(1, -(-total // lq.per_page))
    page = min(lq.page, pages)
    ordered = _ordered(searched, lq, sort_columns, tiebreak)
    rows = [dict(r) for r in conn.execute(ordered.limit(lq.per_page).offset((page - 1) * lq.per_page)).mappings()]
    return Page(rows, total, page, lq.per_page, lq.sort, lq.desc)


# ---------------------------------------------------------------------------------------------------- export
def _cell(v: Any) -> Any:
    if _missing(v):
        return None
    if isinstance(v, (int, float, str)):
        return v
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v.isoformat()
    return str(v)


def workbook_bytes(spec: ListSpec, rows: Sequence[Mapping[str, Any]], lq: ListQuery, *, total: int) -> bytes:
    """The XLSX of ``rows``: one sheet named after the list (Chinese headers, one row per list row) and a
    说明 sheet (the list, the search and filters, the sort, the time, and the cut at :data:`EXPORT_CAP`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from junheng.services.audit import now

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = spec.title[:31]
    sheet.append([c.label for c in spec.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in rows:
        sheet.append([_cell(r.get(c.cell_key)) for c in spec.columns])
    sheet.freeze_panes = "A2"
    about = book.create_sheet("说明")
    labels = {c.key: c.label for c in spec.columns}
    about.append(["列表", spec.title])
    about.append(["导出时间", now().isoformat(sep=" ")])
    about.append(["搜索", lq.q or "（无）"])
    about.append(["筛选", "；".join(f"{k}={v}" for k, v in lq.filters) or "（无）"])
    about.append(["排序", f"{labels.get(lq.sort, lq.sort)}{'（降序）' if lq.desc else '（升序）'}" if lq.sort else "（默认）"])
    about.append(["行数", len(rows)])
    if total > len(rows):
        about.append(["说明", f"列表共 {total} 条，仅导出前 {len(rows)} 条（上限 {EXPORT_CAP} 条）；请加筛选条件后分批导出"])
    neutralise_workbook(book)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def export_xlsx(engine: Engine, actor: Actor, spec: ListSpec, rows: Sequence[Mapping[str, Any]], lq: ListQuery, *,
                org: str | None = None, masked: bool | None = None) -> tuple[str, bytes]:
    """(file name, XLSX bytes) of the filtered list ``rows`` (all pages, at most :data:`EXPORT_CAP`), audited as
    ``file.download`` with the list name and the row count.  ``rows`` must be the rows the page shows (masked)."""
    from junheng.services import audit  # audit imports this module for its list

    cut = list(rows[:EXPORT_CAP])
    content = workbook_bytes(spec, cut, lq, total=len(rows))
    detail: dict[str, Any] = {"list": spec.name, "rows": len(cut), "total": len(rows), "q": lq.q,
                              "filters": dict(lq.filters)}
    if masked is not None:
        detail["masked"] = masked
    audit.record_now(engine, actor, "file.download", f"list {spec.name}.xlsx", org=org, **detail)
    return f"{spec.title}_{dt.date.today().isoformat()}.xlsx", content


# ---------------------------------------------------------------------------------------------------- print
def print_heading(engine: Engine, actor: Actor | None, county: object = None) -> dict[str, str]:
    """The print-only title of a page (``base.html`` ``.print-title``): the county's name — the page's county
    when it names one, else the actor's first county — and today's date."""
    from junheng.services import counties as C
    from junheng.services.errors import ServiceError

    name = ""
    if actor is not None:
        try:
            code = C.resolve_county(engine, actor, county if isinstance(county, str) and county else None)
            name = C.county_name(engine, code)
        except ServiceError:
            name = ""
    today = dt.date.today()
    return {"county": name, "date": f"{today.year}年{today.month}月{today.day}日"}
