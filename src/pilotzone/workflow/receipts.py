"""受理回执: what a person gets after submitting, deciding or objecting (one template macro,
``macros/receipt.html``, shows it; certification, funding, registration and objections build it here).

A receipt is read back from what was stored, never kept: the page a POST redirects to (``?receipt=…``)
builds it from the row and its time, so a reload or a later print shows the same reference number.
``reference(kind, number, at)`` is ``<prefix>-<local date>-<number>`` (``RD-20261206-000042``);
:func:`next_step` says what happens next for a state (next stage, who acts, by when).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from litestar.response import Redirect

from pilotzone.auth.roles import Role
from pilotzone.settings import get_settings
from pilotzone.tenancy.context import current_tenant_id
from pilotzone.web.formats import local_date, local_time
from pilotzone.web.i18n import gettext as _
from pilotzone.web.labels import label
from pilotzone.workflow.reviews import steps_of
from pilotzone.workflow.states import (
    CertificationState,
    Decision,
    FundingState,
    Kind,
    ObjectionState,
    RegistrationState,
    TradeReturnState,
)
from pilotzone.workflow.tables import Notice, Objection

# what a reference number starts with: the kind of thing received (认定 RD, 扶持 FC, 注册 ZC, 异议 YY,
# a reviewer's decision SH, an answer to an information request BZ)
PREFIX = {
    Kind.CERTIFICATION: "RD",
    Kind.FUNDING: "FC",
    Kind.REGISTRATION: "ZC",
    Kind.TRADE_RETURN: "YB",
    "objection": "YY",
    "decision": "SH",
    "answer": "BZ",
    "resolution": "YJ",
    "registration_decision": "ZS",
}


def reference(kind: str, number: int, at: datetime | date) -> str:
    """The reference number of what was received: prefix, local date of receipt, row number."""
    day = local_time(at, "%Y%m%d") if isinstance(at, datetime) else at.strftime("%Y%m%d")
    return f"{PREFIX.get(kind, 'PZ')}-{day}-{number:06d}"


@dataclass(frozen=True, slots=True)
class NextStep:
    what: str  # what happens next
    who: str  # who acts
    when: str  # when, as far as it is known ("" when nothing follows)


@dataclass(frozen=True, slots=True)
class Receipt:
    title: str  # 受理回执 / 审核决定回执 / 异议受理回执
    reference: str
    at: datetime
    received: list[tuple[str, str]]  # (what, value): the things received, as the page shows them
    next: NextStep
    link: tuple[str, str] | None = None  # (text, href) to follow the case
    notes: list[str] = field(default_factory=list)

    @property
    def at_text(self) -> str:
        return local_time(self.at, "%Y-%m-%d %H:%M:%S")


def next_step(
    kind: str,
    state: str,
    stage: int = 0,
    stages: list[str] | tuple[str, ...] = (),
    until: datetime | date | None = None,
) -> NextStep:
    """What follows ``state`` of a submission of ``kind`` (``stages``: the review roles in order, the
    current one at ``stage``; ``until``: the date that bounds the next step, e.g. the notice's end or
    the round's close)."""
    by = _("by %(date)s", date=local_date(until)) if until is not None else ""
    if kind == Kind.TRADE_RETURN:
        return _return_step(state)
    if state in (CertificationState.SUBMITTED, CertificationState.IN_REVIEW, FundingState.IN_REVIEW):
        if stages and 0 <= stage < len(stages):
            return NextStep(
                _("Review, stage %(n)s of %(total)s", n=stage + 1, total=len(stages)),
                label(Role, stages[stage]),
                _("The result is shown on the application's page as soon as it is decided."),
            )
        return NextStep(_("Review"), label(Role.BUREAU_REVIEWER), "")
    if state == CertificationState.INFO_REQUESTED:
        return NextStep(
            _("The applicant supplies the information requested"),
            _("The applicant"),
            by or _("Review resumes as soon as the answer is sent."),
        )
    if state == CertificationState.APPROVED or (kind == Kind.CERTIFICATION and state == "notice"):
        return NextStep(
            _(
                "Public notice: anyone may object; the certificate is issued when it ends without an open objection"
            ),
            _("The public; the bureau handles objections"),
            by,
        )
    if state == CertificationState.OBJECTED or state == "objection":
        return NextStep(
            _("The bureau examines the objection and upholds or dismisses it"),
            label(Role.BUREAU_ADMIN),
            by or _("Before the public notice ends."),
        )
    if state == CertificationState.CERTIFIED:
        return NextStep(_("The certificate is issued: nothing more to do"), "—", "")
    if state == FundingState.VERIFIED:
        return NextStep(
            _(
                "After the round closes the bureau calculates every award, approves the results and publishes them"
            ),
            label(Role.BUREAU_ADMIN),
            _("After the round closes (%(date)s).", date=local_date(until)) if until else "",
        )
    if state == RegistrationState.PENDING:
        return NextStep(
            _(
                "The bureau checks the registration; on acceptance the contact receives an invitation to sign in"
            ),
            label(Role.BUREAU_ADMIN),
            "",
        )
    if state in (CertificationState.REJECTED, CertificationState.WITHDRAWN, RegistrationState.REJECTED):
        return NextStep(_("The case is closed: a new application may be started"), "—", "")
    if state == RegistrationState.ACTIVE:
        return NextStep(_("The contact signs in from the invitation"), _("The applicant"), "")
    return NextStep(_("See the case's page for its state"), "—", "")


def _return_step(state: str) -> NextStep:
    """What follows a state of a monthly statistical return."""
    if state == TradeReturnState.SUBMITTED:
        return NextStep(
            _("The bureau checks the return and accepts it or returns it for correction"),
            label(Role.BUREAU_REVIEWER),
            _("The result is shown on the return's page as soon as it is decided."),
        )
    if state == TradeReturnState.RETURNED:
        return NextStep(_("Correct the return and submit it again"), _("The applicant"), "")
    if state == TradeReturnState.ACCEPTED:
        return NextStep(_("The figures are accepted: nothing more to do"), "—", "")
    return NextStep(_("Complete and submit the return"), _("The applicant"), "")


def submitted(
    kind: Kind,
    number: int,
    at: datetime,
    what: str,
    subject: str,
    state: str,
    stages: list[str] | tuple[str, ...] = (),
    stage: int = 0,
    until: datetime | date | None = None,
    documents: int | None = None,
    link: tuple[str, str] | None = None,
) -> Receipt:
    """The receipt of a submitted application or registration (受理回执)."""
    received = [(_("Received"), what), (_("Applies for"), subject)]
    if documents is not None:
        received.append((_("Documents attached"), str(documents)))
    received.append((_("State"), label(_STATES.get(kind, CertificationState), state)))
    return Receipt(
        _("Acknowledgement of receipt"),
        reference(kind, number, at),
        at,
        received,
        next_step(kind, state, stage, stages, until),
        link,
    )


def decided(
    kind: Kind,
    step_id: int,
    at: datetime,
    what: str,
    decision: str,
    state: str,
    stages: list[str] | tuple[str, ...] = (),
    stage: int = 0,
    until: datetime | date | None = None,
    comment: str = "",
    link: tuple[str, str] | None = None,
    prefix: str = "decision",
) -> Receipt:
    """The receipt of a reviewer's decision (or, with ``prefix`` "answer", of an applicant's answer to an
    information request: the step is the request answered)."""
    received = [(_("Case"), what), (_("Decision"), decision)]
    if comment:
        received.append((_("Comment"), comment))
    received.append((_("State now"), label(_STATES.get(kind, CertificationState), state)))
    return Receipt(
        _("Receipt of the answer") if prefix == "answer" else _("Receipt of the decision"),
        reference(prefix, step_id, at),
        at,
        received,
        next_step(kind, state, stage, stages, until),
        link,
    )


async def of_objection(signed: str | None) -> Receipt | None:
    """The receipt of the objection a signed ``?objected=`` names (None: no such objection)."""
    number = number_of("objection", signed)
    if number is None:
        return None
    found = await Objection.objects().where(Objection.id == number).first()
    notice = await Notice.objects().where(Notice.id == found.notice).first() if found is not None else None
    if found is None or notice is None:
        return None
    return objection(found.id, found.created_at, notice.subject_label, notice.notice_until)


async def of_resolution(objection_id: int) -> Receipt | None:
    """The receipt of the bureau's decision on an objection (None while it is open or unknown)."""
    found = await Objection.objects().where(Objection.id == objection_id).first()
    notice = await Notice.objects().where(Notice.id == found.notice).first() if found is not None else None
    if found is None or notice is None or found.resolved_at is None:
        return None
    upheld = found.status == ObjectionState.UPHELD
    received = [
        (_("Objection to"), notice.subject_label),
        (_("Decision"), label(ObjectionState, found.status)),
    ]
    if found.resolution_note:
        received.append((_("Comment"), found.resolution_note))
    follows = (
        NextStep(_("The objection is upheld: the approval is withdrawn and the case is closed"), "—", "")
        if upheld
        else NextStep(
            _("The public notice continues for the days it had left"),
            _("The public; the bureau handles objections"),
            _("by %(date)s", date=local_date(notice.notice_until)),
        )
    )
    return Receipt(
        _("Receipt of the decision on the objection"),
        reference("resolution", found.id, found.resolved_at),
        found.resolved_at,
        received,
        follows,
    )


def registration_decided(row: Any, what: str) -> Receipt | None:
    """The receipt of the bureau's decision on a registration (a park or enterprise row: ``status``,
    ``decided_at``, ``reject_reason``); None before a decision."""
    if row is None or row.decided_at is None:
        return None
    received = [(_("Case"), what), (_("Decision"), label(RegistrationState, str(row.status)))]
    if getattr(row, "reject_reason", ""):
        received.append((_("Reason"), row.reject_reason))
    return Receipt(
        _("Receipt of the decision"),
        reference("registration_decision", row.id, row.decided_at),
        row.decided_at,
        received,
        next_step(Kind.REGISTRATION, str(row.status)),
    )


def objection(
    number: int, at: datetime, item: str, until: datetime | date | None, link: tuple[str, str] | None = None
) -> Receipt:
    """The receipt of an objection raised during a public notice."""
    return Receipt(
        _("Acknowledgement of the objection"),
        reference("objection", number, at),
        at,
        [(_("Objection to"), item), (_("State"), _("objection under review"))],
        next_step("objection", "objection", until=until),
        link,
        [_("Keep the reference number: the bureau uses it when it contacts you.")],
    )


EVENTS = ("submitted", "answered", "decided")  # the values of ``?receipt=`` a submission's page reads


def token(kind: str, number: int) -> str:
    """A public page's receipt link carries its row signed (``42-1f0c…``): a visitor sees the receipt of
    what they sent, and cannot read another's by changing the number."""
    return f"{number}-{_mac(kind, number)}"


def number_of(kind: str, signed: str | None) -> int | None:
    """The row a :func:`token` names, or None for anything else (a forged or a malformed value)."""
    number, _sep, mac = (signed or "").partition("-")
    if not number.isdigit() or len(number) > 12:
        return None
    return int(number) if hmac.compare_digest(mac, _mac(kind, int(number))) else None


def _mac(kind: str, number: int) -> str:
    message = f"receipt:{current_tenant_id(required=False)}:{kind}:{number}".encode()
    return hmac.new(get_settings().secret_key.encode(), message, hashlib.sha256).hexdigest()[:20]


def redirect(path: str, event: str = "submitted") -> Redirect:
    """The 303 after a POST to the page that shows the receipt of ``event``."""
    return Redirect(path=f"{path}?{urlencode({'receipt': event})}", status_code=303)


async def of_submission(
    event: str,
    sub: Any,
    what: str,
    stages: list[str] | tuple[str, ...] = (),
    until: datetime | date | None = None,
    documents: int | None = None,
    user_id: int | None = None,
    link: tuple[str, str] | None = None,
) -> Receipt | None:
    """The receipt a submission's page shows after ``event`` (``?receipt=submitted|answered|decided``),
    read from the stored submission (``sub``: its row) and its review steps; None when there is none
    (another event, nothing submitted, no step of ``user_id``)."""
    kind, state, stage = Kind(sub.kind), str(sub.status), int(sub.stage or 0)
    if event == "submitted":
        if sub.submitted_at is None:
            return None
        return submitted(
            kind,
            sub.id,
            sub.submitted_at,
            what,
            sub.subject_label,
            state,
            stages,
            stage,
            until,
            documents,
            link,
        )
    if event not in ("answered", "decided"):
        return None
    for step in await steps_of(sub.id):
        if event == "answered" and step["answered_at"] is not None:
            return decided(
                kind,
                step["id"],
                step["answered_at"],
                what,
                label(Decision.ANSWER),
                state,
                stages,
                stage,
                until,
                link=link,
                prefix="answer",
            )
        if event == "decided" and step["reviewer_id"] == user_id and step["decision"] != Decision.ANSWER:
            return decided(
                kind,
                step["id"],
                step["created_at"],
                what,
                label(step["decision"]),
                state,
                stages,
                stage,
                until,
                str(step["comment"] or ""),
                link,
            )
    return None


_STATES = {
    Kind.CERTIFICATION: CertificationState,
    Kind.FUNDING: FundingState,
    Kind.REGISTRATION: RegistrationState,
    Kind.TRADE_RETURN: TradeReturnState,
}
