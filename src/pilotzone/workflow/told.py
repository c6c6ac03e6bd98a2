"""Who hears of what the engine does: the events of a submission's life sent through
:mod:`pilotzone.notify` (one call where the action happens, in its transaction). The applicant is the
enterprise's users or the park's operators (and whoever created the submission); the reviewers are
told of answers; the bureau admins of objections. Each call passes a key, so a retried action never
sends twice."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pilotzone import db
from pilotzone.notify.events import Event
from pilotzone.notify.services import emit, users_of
from pilotzone.tenancy.context import current_context
from pilotzone.web.formats import local_time
from pilotzone.workflow.states import Action, Kind
from pilotzone.workflow.tables import Submission

# where a submission of a kind is seen (its page), relative to the tenant
PAGES = {
    Kind.CERTIFICATION: "applications/{id}",
    Kind.FUNDING: "funding/applications/{id}",
    Kind.TRADE_RETURN: "returns/{id}",
}


def link_to(kind: str, submission_id: int) -> str:
    ctx = current_context()
    page = PAGES.get(Kind(kind)) if kind in Kind.values() else None
    if ctx is None or ctx.slug is None or page is None:
        return ""
    return f"/z/{ctx.slug}/" + page.format(id=submission_id)


def day(moment: datetime | None) -> str:
    return local_time(moment, "%Y-%m-%d") if moment else ""


def _getter(row: Any) -> Any:
    """A submission given as a table row or as a dict: a function reading its columns by name."""
    return row.get if isinstance(row, dict) else lambda name: getattr(row, name)


async def applicants(row: Any) -> list[int]:
    """The people who answer for a submission: its enterprise's users or its park's operators, and
    the user who created it (``row``: a Submission or its row as a dict)."""
    get = _getter(row)
    found: list[int] = []
    if get("applicant_enterprise"):
        found += await users_of(roles=("enterprise_user",), enterprise_id=get("applicant_enterprise"))
    elif get("applicant_park"):
        found += await users_of(roles=("park_operator",), park_id=get("applicant_park"))
    if get("created_by"):
        found.append(get("created_by"))
    return list(dict.fromkeys(found))


def params(row: Any, **more: Any) -> dict[str, Any]:
    get = _getter(row)
    return {"reference": f"#{get('id')}", "title": get("subject_label"), **more}


async def tell_applicants(event: Event, row: Any, key: str, **more: Any) -> None:
    get = _getter(row)
    await emit(
        event,
        await applicants(row),
        link=link_to(get("kind"), get("id")),
        params=params(row, **more),
        key=key,
    )


async def step_recorded(row: Submission, action: Action, comment: str, step_id: int) -> None:
    """A review step was recorded on ``row`` (as it was before the step): tell who must know."""
    note = comment.strip().rstrip("。.！!；;")  # the text puts its own full stop after it
    if action is Action.REQUEST_INFO:
        found = await db.fetch("SELECT due_on FROM review_step WHERE id = $1", step_id)
        due_on = found[0]["due_on"] if found else None
        await tell_applicants(
            Event.INFO_REQUESTED,
            row,
            f"info_requested:{step_id}",
            note=note,
            due=due_on.isoformat() if due_on else "",
        )
    elif action is Action.REJECT:
        await tell_applicants(Event.APPLICATION_REJECTED, row, f"rejected:{step_id}", note=note)
    elif action is Action.APPROVE:
        now_in = await db.fetch("SELECT status FROM submission WHERE id = $1", row.id)
        if now_in and now_in[0]["status"] != row.status:  # the last stage approved: out of review
            await tell_applicants(Event.APPLICATION_APPROVED, row, f"approved:{step_id}")


async def info_answered(request_id: int) -> None:
    """The applicant answered the information request (review step) ``request_id``: tell its reviewer."""
    rows = await db.fetch(
        "SELECT s.*, r.reviewer_id FROM review_step r JOIN submission s ON s.id = r.submission"
        " AND s.tenant_id = r.tenant_id WHERE r.id = $1",
        request_id,
    )
    if rows and rows[0]["reviewer_id"]:
        row = dict(rows[0])
        await emit(
            Event.INFO_ANSWERED,
            [row["reviewer_id"]],
            link=link_to(row["kind"], row["id"]),
            params=params(row),
            key=f"info_answered:{request_id}",
        )


async def tell_about(event: Event, submission_id: int, key: str, **more: Any) -> None:
    """Tell the applicants of submission ``submission_id`` of ``event`` (certificates, awards, payments)."""
    rows = await db.fetch("SELECT * FROM submission WHERE id = $1", submission_id)
    if rows:
        await tell_applicants(event, dict(rows[0]), key, **more)


async def notice_started(kind: Kind, submission: Submission, until: datetime) -> None:
    if kind is Kind.CERTIFICATION:
        await tell_applicants(
            Event.NOTICE_STARTED, submission, f"notice_started:{kind}:{submission.id}", due=day(until)
        )


async def awards_published(entries: Iterable[Any]) -> None:
    """Awards were written (an approved calculation): ``entries`` with application, amount, title."""
    for entry in entries:
        await tell_about(
            Event.AWARD_PUBLISHED,
            entry["application"],
            f"award_published:{entry['application']}",
            amount=entry["amount"],
            title=entry["title"],
        )


async def objection_filed(notice_id: int, objection_id: int) -> None:
    rows = await db.fetch(
        "SELECT s.* FROM notice n JOIN submission s ON s.id = n.submission AND s.tenant_id = n.tenant_id WHERE n.id = $1",
        notice_id,
    )
    if rows:
        row = dict(rows[0])
        await emit(
            Event.OBJECTION_FILED,
            await users_of(roles=("bureau_admin",)),
            link=link_to(row["kind"], row["id"]),
            params=params(row),
            key=f"objection_filed:{objection_id}",
        )


async def objection_resolved(notice_id: int, objection_id: int, decision: str, note: str) -> None:
    rows = await db.fetch(
        "SELECT s.* FROM notice n JOIN submission s ON s.id = n.submission AND s.tenant_id = n.tenant_id WHERE n.id = $1",
        notice_id,
    )
    if rows:
        await tell_applicants(
            Event.OBJECTION_RESOLVED, dict(rows[0]), f"objection_resolved:{objection_id}", note=note
        )
