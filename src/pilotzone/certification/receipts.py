"""The receipts of a certification application (受理回执): after it is submitted, after the applicant
answers an information request, after a reviewer decides (``pilotzone.workflow.receipts``)."""

from __future__ import annotations

from pilotzone.certification.applications import KIND, Case, get_application, spec_of
from pilotzone.documents import keyed
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.workflow import receipts
from pilotzone.workflow.objections import notice_of
from pilotzone.workflow.states import CertificationState


async def receipt_of(
    case: Case, event: str, user_id: int | None, link: tuple[str, str] | None = None
) -> receipts.Receipt | None:
    """The receipt of ``event`` (``submitted``, ``answered``, ``decided`` by ``user_id``) or None."""
    if event not in receipts.EVENTS:
        return None
    spec = spec_of(case)
    until = None
    if case.sub.status in (CertificationState.NOTICE, CertificationState.OBJECTED):
        notice = await notice_of(KIND, case.id)
        until = notice.notice_until if notice else None
    documents = await keyed.documents_by_key("application", case.id)
    what = _("%(scheme)s, application %(number)s", scheme=pick(spec.name_zh, spec.name_en), number=case.id)
    return await receipts.of_submission(
        event,
        case.sub,
        what,
        spec.stages,
        until,
        sum(1 for versions in documents.values() if versions),
        user_id,
        link,
    )


async def decision_receipt(
    application_id: int, user_id: int | None, link: tuple[str, str] | None = None
) -> receipts.Receipt | None:
    """The receipt of the reviewer's latest decision on an application (the queue shows it after a decision)."""
    case = await get_application(application_id)
    return None if case is None else await receipt_of(case, "decided", user_id, link)
