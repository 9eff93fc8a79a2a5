"""Evidence (佐证材料) entered in the browser: a form per evidence item, attachments, review, accepted evidence.

The items of a pack that take evidence (教督〔2017〕6号 政府保障程度, 教育质量, 社会认可度, 一票否决 …, and a plan
pack's targets whose ``metric`` is ``evidence``) are listed per county and school year with their current record.
A record holds what an evidence file holds (:mod:`junheng.standards.evidence`: status, value, document, note,
who and when) plus its review state:

* ``submitted`` (待审核) after every entry or change, attachments included;
* ``accepted`` (已认定) or ``rejected`` (已退回, with a comment) by a reviewer (``review_evidence``), who may not be
  the person who entered it (four eyes).

Only accepted records reach the assessment (:func:`accepted_evidence`, the mapping ``assess_county`` takes);
the CLI keeps ``--evidence FILE``.  Attachments are PDF, JPG, PNG or DOCX, recognised by their first bytes (a
DOCX is a ZIP holding ``word/document.xml``) and matching their extension, at most ``evidence_max_mb``; each is
stored with its SHA-256.  Every change appends a row to ``evidence_history``; writes and downloads are audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from junheng.domain.files import KINDS, content_kind, name_kind
from junheng.services import audit
from junheng.services import counties as C
from junheng.services.authz import Actor
from junheng.services.errors import Conflict, Forbidden, Invalid, NotFound
from junheng.standards import Evidence, evidence_from_records, load_pack
from junheng.store.evidence_models import EvidenceAttachment, EvidenceHistory, EvidenceRecord

STATES = ("submitted", "accepted", "rejected")
STATUSES = ("met", "not_met", "unknown")
VALUE_RULES: dict[str, tuple[str, str]] = {
    "survey": ("满意度（0–1 之间的比例，如 0.92）", "%"),
    "score": ("评估得分（分）", "分"),
    "basic_balance_precondition": ("通过国家基本均衡认定的年份（如 2015）", "年"),
}
"""Item rules whose evidence is a number (教督〔2017〕6号 社会认可度; 教督〔2012〕3号 评估得分; 申报条件): what to enter."""
"""Allowed attachment kinds: media type and file extensions."""
NOTE_MAX = 2_000


@dataclass(frozen=True)
class EvidenceItem:
    """One item of a pack that takes evidence: what the form asks for.

    ``kind`` is ``status`` (达到/未达到, for a veto item 未发生/发生) or ``value`` (a number: ``ask`` says which,
    ``unit`` its unit); ``computed`` items are worked out from the registry and take the evidence only where the
    data do not decide (the engine's fallback)."""

    code: str
    name: str
    part: str
    part_name: str
    kind: str
    ask: str
    unit: str = ""
    veto: bool = False
    computed: bool = False
    source: str = ""


@dataclass(frozen=True)
class EvidenceRow:
    """An item with its current record (``None``: 待填报), attachments and history."""

    item: EvidenceItem
    record: dict[str, Any] | None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def state(self) -> str:
        return "none" if self.record is None else str(self.record["state"])


@dataclass(frozen=True)
class EvidenceView:
    """What the 佐证材料 page shows: the county, pack, year and the items grouped by part, in the pack's order."""

    county: str
    county_name: str
    pack: str
    pack_name: str
    year: int
    parts: list[tuple[str, list[EvidenceRow]]]
    counts: dict[str, int]


@dataclass(frozen=True)
class Upload:
    """An attachment as uploaded: its file name and bytes."""

    file_name: str
    content: bytes


def pack_items(pack: str) -> list[EvidenceItem]:
    """The items of ``pack`` that take evidence, in the pack's order, then its ``evidence`` targets."""
    try:
        p = load_pack(pack)
    except (ValueError, FileNotFoundError) as exc:
        raise Invalid(f"未知标准包：{pack}", f"unknown pack {pack}") from exc
    parts = {pt.code: pt for pt in p.parts}
    out = []
    for it in p.items:
        part = parts.get(it.part)
        veto = bool(part and part.veto)
        if it.rule in VALUE_RULES:
            ask, unit = VALUE_RULES[it.rule]
            out.append(EvidenceItem(it.code, it.name, it.part, part.name if part else it.part, "value", ask, unit,
                                    veto, source=it.source))
            continue
        computed = it.rule != "evidence"
        ask = ("由数据计算；数据不能判断时采用已认定的佐证" if computed else
               "是否发生（未发生即符合要求）" if veto else "是否达到要求")
        out.append(EvidenceItem(it.code, it.name, it.part, part.name if part else it.part, "status", ask, "",
                                veto, computed, it.source))
    for t in p.targets:
        if t.metric == "evidence":
            out.append(EvidenceItem(t.code, t.name, "targets", "规划目标", "value", "本年度实际值", t.unit,
                                    source=t.source))
    return out


def _item(pack: str, code: str) -> EvidenceItem:
    for it in pack_items(pack):
        if it.code == code:
            return it
    raise NotFound(f"标准包 {pack} 没有项目 {code}", f"pack {pack} has no item {code}")


def _county(engine: Engine, actor: Actor, county: str | None) -> str:
    return C.resolve_county(engine, actor, county, whole=True)


def _record_dict(r: Any) -> dict[str, Any]:
    return {k: r[k] for k in ("id", "org_code", "pack", "item", "year", "status", "value", "document", "note",
                              "entered_by", "entered_at", "state", "reviewer", "review_comment", "reviewed_at",
                              "version")}


def _snapshot(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: rec[k] for k in ("status", "value", "document", "note", "state", "reviewer", "review_comment")}


def list_evidence(engine: Engine, actor: Actor, *, pack: str, year: int, county: str | None = None) -> EvidenceView:
    """The evidence items of ``pack`` for the county-year with their records (``view_assessment``; the county must
    lie wholly in the actor's scope)."""
    actor.require("view_assessment")
    code = _county(engine, actor, county)
    items = pack_items(pack)
    rt, at, ht = EvidenceRecord.__table__, EvidenceAttachment.__table__, EvidenceHistory.__table__
    with engine.connect() as conn:
        recs = {r["item"]: _record_dict(r) for r in conn.execute(select(rt).where(
            rt.c.org_code == code, rt.c.pack == pack, rt.c.year == year)).mappings()}
        ids = [r["id"] for r in recs.values()]
        atts: dict[int, list[dict[str, Any]]] = {}
        hist: dict[int, list[dict[str, Any]]] = {}
        if ids:
            for a in conn.execute(select(at.c.id, at.c.record_id, at.c.file_name, at.c.media_type, at.c.size,
                                         at.c.sha256, at.c.uploaded_by, at.c.uploaded_at)
                                  .where(at.c.record_id.in_(ids)).order_by(at.c.id)).mappings():
                atts.setdefault(a["record_id"], []).append(dict(a))
            for h in conn.execute(select(ht).where(ht.c.record_id.in_(ids)).order_by(ht.c.id)).mappings():
                hist.setdefault(h["record_id"], []).append(dict(h))
    p = load_pack(pack)
    groups: dict[str, list[EvidenceRow]] = {}
    names: dict[str, str] = {}
    counts = {"none": 0, **dict.fromkeys(STATES, 0)}
    for it in items:
        rec = recs.get(it.code)
        row = EvidenceRow(it, rec, atts.get(rec["id"], []) if rec else [], hist.get(rec["id"], []) if rec else [])
        groups.setdefault(it.part, []).append(row)
        names[it.part] = it.part_name
        counts[row.state] += 1
    parts = [(names[k], rows) for k, rows in groups.items()]
    return EvidenceView(code, C.county_name(engine, code), pack, p.name, year, parts, counts)


def _clean(item: EvidenceItem, status: str, value: str | float | None, document: str, note: str) -> dict[str, Any]:
    """The record's fields, checked as the evidence file checks them (plus the form's own requirements)."""
    status = status or "unknown"
    if status not in STATUSES:
        raise Invalid("认定结果应为 达到 / 未达到 / 待认定 之一", "status must be met, not_met or unknown")
    number: float | None = None
    if value not in (None, ""):
        try:
            number = float(str(value).strip())
        except ValueError:
            raise Invalid(f"“{item.name}”的数值应为数字", f"the value of {item.code} must be a number") from None
        if not math.isfinite(number):
            raise Invalid(f"“{item.name}”的数值应为数字", f"the value of {item.code} must be a number")
    if item.kind == "value" and number is None and status == "unknown":
        raise Invalid(f"请填写“{item.name}”的{item.ask}", f"enter the value of {item.code}")
    if item.kind == "status" and status == "unknown":
        raise Invalid(f"请选择“{item.name}”的认定结果", f"choose the status of {item.code}")
    if len(document) > 256 or len(note) > NOTE_MAX:
        raise Invalid(f"文号不超过 256 字，说明不超过 {NOTE_MAX} 字", f"document ≤ 256, note ≤ {NOTE_MAX} characters")
    evidence_from_records([{"item": item.code, "status": status, **({"value": number} if number is not None else {})}])
    return {"status": status, "value": number, "document": document.strip(), "note": note.strip()}


def check_upload(up: Upload, *, max_bytes: int) -> tuple[str, str]:
    """The kind and media type of an attachment, recognised by its first bytes; :class:`Invalid` when it is too
    large, not PDF/JPG/PNG/DOCX, or its extension does not match its content (a renamed program)."""
    size = len(up.content)
    if size == 0:
        raise Invalid(f"附件“{up.file_name}”是空文件", f"attachment {up.file_name} is empty")
    if size > max_bytes:
        raise Invalid(f"附件“{up.file_name}”超过 {max_bytes / 2**20:g} MB 的上限",
                      f"attachment {up.file_name} exceeds {max_bytes / 2**20:g} MB")
    kind = content_kind(up.content)
    if not kind or name_kind(up.file_name) != kind:
        raise Invalid(f"附件“{up.file_name}”不是 PDF、JPG、PNG 或 DOCX 文件（按文件内容识别）",
                      f"attachment {up.file_name} is not a PDF, JPG, PNG or DOCX file (checked by its content)")
    return kind, KINDS[kind][0]


def _history(conn: Connection, actor: Actor, record_id: int, action: str, rec: dict[str, Any],
             **extra: Any) -> None:
    conn.execute(insert(EvidenceHistory).values(record_id=record_id, action=action, actor=actor.username,
                                                at=audit.now(), version=rec["version"],
                                                data={**_snapshot(rec), **extra}))


def enter_evidence(engine: Engine, actor: Actor, *, pack: str, year: int, item: str, status: str = "",
                   value: str | float | None = None, document: str = "", note: str = "",
                   version: int | None = None, uploads: Sequence[Upload] = (), county: str | None = None,
                   max_bytes: int = 10 * 2**20) -> dict[str, Any]:
    """Enter or change the evidence of one item (``enter_evidence``: planner, county administrator) with its
    attachments; the record goes (back) to 待审核.  ``version`` is the one the user saw (``None`` for a new
    record); someone else's change meanwhile is :class:`Conflict` (409) and nothing is saved."""
    actor.require("enter_evidence")
    code = _county(engine, actor, county)
    it = _item(pack, item)
    fields = _clean(it, status, value, document, note)
    checked = [(up, *check_upload(up, max_bytes=max_bytes)) for up in uploads]
    rt = EvidenceRecord.__table__
    now = audit.now()
    with engine.begin() as conn:
        cur = conn.execute(select(rt).where(rt.c.org_code == code, rt.c.pack == pack, rt.c.item == item,
                                            rt.c.year == year)).mappings().first()
        seen = None if cur is None else int(cur["version"])
        if seen != version:
            raise Conflict(f"“{it.name}”已被 {cur['entered_by'] if cur else '他人'} 修改（版本 {version} → {seen}），"
                           "本次填报未保存，请核对后重新提交",
                           f"{item} was changed meanwhile (version {version} → {seen}); nothing saved",
                           detail={"current_version": seen})
        values = {**fields, "entered_by": actor.username, "entered_at": now, "state": "submitted",
                  "reviewer": None, "review_comment": "", "reviewed_at": None}
        if cur is None:
            pk = conn.execute(insert(EvidenceRecord).values(org_code=code, pack=pack, item=item, year=year,
                                                            version=1, **values)).inserted_primary_key
            assert pk is not None
            rid = int(pk[0])
            action, new_version = "enter", 1
        else:
            rid, new_version, action = int(cur["id"]), int(cur["version"]) + 1, "update"
            done = conn.execute(update(EvidenceRecord).where(EvidenceRecord.id == rid,
                                                             EvidenceRecord.version == cur["version"])
                                .values(version=new_version, **values)).rowcount
            if done != 1:
                raise Conflict("佐证材料已被他人修改，本次填报未保存", "changed meanwhile; nothing saved",
                               detail={"current_version": None})
        files = []
        for up, _kind, media in checked:
            digest = hashlib.sha256(up.content).hexdigest()
            conn.execute(insert(EvidenceAttachment).values(
                record_id=rid, file_name=up.file_name[:255], media_type=media, size=len(up.content), sha256=digest,
                content=up.content, uploaded_by=actor.username, uploaded_at=now))
            files.append({"name": up.file_name[:255], "size": len(up.content), "sha256": digest})
        rec = {**values, "version": new_version}
        _history(conn, actor, rid, action, rec, **({"attachments": files} if files else {}))
        audit.record(conn, actor, f"evidence.{action}", f"{pack}/{year}/{item}", org=code, version=new_version,
                     attachments=[f["sha256"] for f in files])
    return {"id": rid, "version": new_version, "state": "submitted"}


def _load_record(engine: Engine, actor: Actor, record_id: int) -> dict[str, Any]:
    rt = EvidenceRecord.__table__
    with engine.connect() as conn:
        r = conn.execute(select(rt).where(rt.c.id == record_id)).mappings().first()
    if r is None or not actor.covers_org(r["org_code"]):  # another county's record does not exist for the actor
        raise NotFound("佐证材料不存在", "no such evidence record")
    return _record_dict(r)


def review_evidence(engine: Engine, actor: Actor, record_id: int, *, decision: str, comment: str = "",
                    version: int) -> dict[str, Any]:
    """Accept or reject a record awaiting review (``review_evidence``); the reviewer may not be the person who
    entered it, a rejection needs a comment, and ``version`` must be the one the reviewer saw."""
    actor.require("review_evidence")
    rec = _load_record(engine, actor, record_id)
    if decision not in ("accept", "reject"):
        raise Invalid("审核结论应为 认定 或 退回", "decision must be accept or reject")
    if rec["entered_by"] == actor.username:
        raise Forbidden("不能审核自己填报的佐证材料", "you may not review evidence you entered")
    comment = comment.strip()
    if decision == "reject" and not comment:
        raise Invalid("退回时请写明理由", "a rejection needs a comment")
    if len(comment) > NOTE_MAX:
        raise Invalid(f"审核意见不超过 {NOTE_MAX} 字", f"comment ≤ {NOTE_MAX} characters")
    if rec["version"] != version:
        raise Conflict(f"佐证材料已被修改（版本 {version} → {rec['version']}），请核对后重新审核",
                       f"changed meanwhile (version {version} → {rec['version']}); nothing saved",
                       detail={"current_version": rec["version"]})
    if rec["state"] != "submitted":
        raise Invalid("只能审核待审核的佐证材料", "only evidence awaiting review can be reviewed")
    state = "accepted" if decision == "accept" else "rejected"
    with engine.begin() as conn:
        values = {"state": state, "reviewer": actor.username, "review_comment": comment,
                  "reviewed_at": audit.now(), "version": version + 1}
        stmt = update(EvidenceRecord).where(EvidenceRecord.id == record_id, EvidenceRecord.version == version)
        if conn.execute(stmt.values(**values)).rowcount != 1:
            raise Conflict("佐证材料已被他人修改，本次审核未保存", "changed meanwhile; nothing saved",
                           detail={"current_version": None})
        _history(conn, actor, record_id, decision, {**rec, **values})
        audit.record(conn, actor, f"evidence.{decision}", f"{rec['pack']}/{rec['year']}/{rec['item']}",
                     org=rec["org_code"], version=version + 1)
    return {"id": record_id, "state": state, "version": version + 1}


def attachment(engine: Engine, actor: Actor, attachment_id: int) -> tuple[str, str, bytes]:
    """An attachment's file name, media type and bytes for a reader of the county's evidence (audited)."""
    actor.require("view_assessment")
    at = EvidenceAttachment.__table__
    with engine.connect() as conn:
        a = conn.execute(select(at).where(at.c.id == attachment_id)).mappings().first()
    if a is None:
        raise NotFound("附件不存在", "no such attachment")
    rec = _load_record(engine, actor, int(a["record_id"]))
    audit.record_now(engine, actor, "evidence.download", f"{rec['pack']}/{rec['year']}/{rec['item']}",
                     org=rec["org_code"], attachment=attachment_id, sha256=a["sha256"])
    return str(a["file_name"]), str(a["media_type"]), bytes(a["content"])


def accepted_evidence(engine: Engine, county: str, *, pack: str, year: int) -> dict[str, Evidence]:
    """The county's accepted evidence for ``pack`` and ``year`` as ``{item code: Evidence}`` (what
    ``assess_county`` takes); callers have checked the actor's scope over the county."""
    rt = EvidenceRecord.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(rt).where(rt.c.org_code == county, rt.c.pack == pack, rt.c.year == year,
                                             rt.c.state == "accepted").order_by(rt.c.item)).mappings().all()
    records = []
    for r in rows:
        rec: dict[str, Any] = {"item": r["item"], "status": r["status"], "document": r["document"],
                               "note": r["note"], "by": r["entered_by"],
                               "date": _date(r["reviewed_at"] or r["entered_at"])}
        if r["value"] is not None:
            rec["value"] = float(r["value"])
        records.append(rec)
    return evidence_from_records(records, file=f"evidence:{county}/{pack}/{year}")


def _date(at: dt.datetime) -> str:
    return at.date().isoformat()
