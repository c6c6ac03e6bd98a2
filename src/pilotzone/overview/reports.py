"""The monthly report (月度统计报告): a job per tenant and month (kind ``overview_monthly_report``)
refreshes the tenant's rollups, writes its XLSX and printable HTML to S3 through the documents storage
(Document rows, keys under the tenant id) and records them; with ``province`` in its args it then, after
commit, rebuilds the province report from every tenant's rollups (read-only province scope) into
``province/overview_report/<YYYY-MM>/``. Chinese first, English headings alongside."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import time
import uuid
from datetime import UTC, date, datetime

import jinja2
from openpyxl import Workbook

from pilotzone import db
from pilotzone.documents.storage import get_storage
from pilotzone.documents.tables import Document
from pilotzone.jobs.services import job, start_run
from pilotzone.jobs.tables import JobRun
from pilotzone.overview import dashboard
from pilotzone.overview.exports import XLSX, add_sheet
from pilotzone.overview.rollups import refresh_current_tenant
from pilotzone.settings import ROOT
from pilotzone.tenancy.context import TenantContext, current_tenant_id, tenant_transaction
from pilotzone.tenancy.services import list_tenants
from pilotzone.web.deadlines import tenant_today
from pilotzone.web.formats import local_time, zone_label
from pilotzone.web.i18n import reset_locale, set_locale

log = logging.getLogger(__name__)
PROVINCE_PREFIX = "province/overview_report/"
KINDS = {"xlsx": XLSX, "html": "text/html; charset=utf-8"}
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(ROOT / "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True
)


def previous_month(today: date | None = None) -> str:
    today = today or tenant_today()
    return f"{today.year - (today.month == 1)}-{(today.month - 2) % 12 + 1:02d}"


async def _tables(month: str, tenants: list[dict], locale: str, province: bool) -> list[dashboard.Table]:
    token = set_locale(locale)
    try:
        period = dashboard.period_of(month, month)
        loaded = await dashboard.load(period, tenants, dashboard.Links(), province)  # no links in a report
        return list(loaded.tables.values())
    finally:
        reset_locale(token)


async def render(
    month: str, tenants: list[dict], title_zh: str, title_en: str, province: bool = False
) -> dict[str, bytes]:
    """The report as XLSX and HTML: Chinese tables with the English heading under each header (a city's
    trade section ranks its enterprises, the province's its pilot zones)."""
    zh = await _tables(month, tenants, "zh_CN", province)
    en = await _tables(month, tenants, "en", province)
    for z, e in zip(zh, en, strict=True):
        z.headers = [f"{a}\n{b}" if a != b else a for a, b in zip(z.headers, e.headers, strict=True)]
        z.caption = f"{z.caption} / {e.caption}"
    book = Workbook()
    book.remove(book.worksheets[0])  # the empty sheet a new workbook starts with
    made = f"{local_time(datetime.now(UTC))} {zone_label()}"  # the tenant's zone (default Beijing time)
    for z in zh:
        add_sheet(book, z, z.key, [f"{title_zh} {month}", f"{title_en} {month}", z.caption, made])
    out = io.BytesIO()
    book.save(out)
    html = _env.get_template("overview/report.html").render(
        title_zh=title_zh, title_en=title_en, month=month, tables=zh, made=made
    )
    return {"xlsx": out.getvalue(), "html": html.encode()}


async def _store(key: str, data: bytes, content_type: str) -> None:
    await asyncio.to_thread(get_storage().put_stream, key, io.BytesIO(data), content_type, {})


@job("overview_monthly_report")
async def report_step(run: JobRun) -> bool:
    args = run.args if isinstance(run.args, dict) else json.loads(run.args or "{}")
    month = str(args["month"])
    run.total = 1
    await refresh_current_tenant(run.id)
    tenant_id = current_tenant_id()
    tenants = [t for t in await list_tenants() if t["id"] == tenant_id]
    name_zh, name_en = tenants[0]["name_zh"], tenants[0]["name_en"]
    files = await render(month, tenants, f"{name_zh}跨境电商综试区月度统计报告", f"{name_en} monthly report")
    first = dashboard.period_of(month, month).start
    for kind, data in files.items():
        key = f"{tenant_id}/overview_report/{first:%Y%m}/{uuid.uuid4().hex}.{kind}"
        await _store(key, data, KINDS[kind])
        doc = Document(
            owner_kind="overview_report",
            owner_id=int(f"{first:%Y%m}"),
            filename=f"report-{month}-{tenants[0]['slug']}.{kind}",
            content_type=KINDS[kind].split(";")[0],
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_key=key,
        )
        await doc.save()
        await db.fetch(
            "INSERT INTO overview_report (tenant_id, month, kind, document, made_at) VALUES ($1, $2, $3, $4, now()) "
            "ON CONFLICT (tenant_id, month, kind) DO UPDATE SET document = EXCLUDED.document, made_at = now()",
            tenant_id,
            first,
            kind,
            doc.id,
        )
    if args.get("province"):
        db.on_commit(lambda: build_province_report(month))
    run.done = 1
    return True


async def start_report(month: str, province: bool = True) -> JobRun:
    return await start_run("overview_monthly_report", total=1, args={"month": month, "province": province})


async def build_province_report(month: str) -> None:
    """Every tenant's figures side by side, read in a read-only province transaction, into S3."""
    async with tenant_transaction(TenantContext(None, None, "province", read_only=True)):
        tenants = await list_tenants()
        files = await render(month, tenants, "广东省跨境电商综试区月度统计报告", "Provincial monthly report", True)
    for kind, data in files.items():
        await _store(f"{PROVINCE_PREFIX}{month}/report.{kind}", data, KINDS[kind])
    _cache.clear()


async def tenant_reports() -> list[dict]:
    """Reports of the visible tenants, newest month first."""
    rows = await db.fetch(
        "SELECT r.tenant_id, r.month, r.kind, r.document, r.made_at FROM overview_report r "
        "ORDER BY r.month DESC, r.tenant_id, r.kind LIMIT 200"
    )
    return [dict(r) for r in rows]


_cache: dict[str, tuple[float, list[dict]]] = {}


def _list_province() -> list[dict]:
    storage = get_storage()
    found = storage.client.list_objects(storage.bucket, prefix=PROVINCE_PREFIX, recursive=True)
    out = []
    for obj in found:
        month, _sep, name = obj.object_name[len(PROVINCE_PREFIX) :].partition("/")
        kind = name.rpartition(".")[2]
        if kind in KINDS:
            out.append({"month": month, "kind": kind, "size": obj.size, "made_at": obj.last_modified})
    return sorted(out, key=lambda r: (r["month"], r["kind"]), reverse=True)


async def province_reports() -> list[dict]:
    """The province reports in S3 (listed at most every 30 s per process)."""
    hit = _cache.get("province")
    if hit and hit[0] > time.monotonic():
        return hit[1]
    try:
        listed = await asyncio.to_thread(_list_province)
    except Exception:  # noqa: BLE001 - S3 down: the dashboard still shows its figures
        log.warning("could not list the province reports", exc_info=True)
        listed = []
    _cache["province"] = (time.monotonic() + 30, listed)
    return listed


def province_key(month: str, kind: str) -> str | None:
    if kind not in KINDS or dashboard.period_of(month, month).start.strftime("%Y-%m") != month:
        return None
    return f"{PROVINCE_PREFIX}{month}/report.{kind}"
