"""The receipts of a funding application (受理回执): after it is submitted, after the applicant answers
an information request, after a reviewer decides (``pilotzone.workflow.receipts``)."""

from __future__ import annotations

from pilotzone.documents import keyed
from pilotzone.funding import applications as apps
from pilotzone.funding.tables import Program, Round
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.workflow import receipts
from pilotzone.workflow.states import FundingState


async def receipt_of(application: apps.Applied, event: str, user_id: int | None) -> receipts.Receipt | None:
    """The receipt of ``event`` (``submitted``, ``answered``, ``decided`` by ``user_id``) or None."""
    if event not in receipts.EVENTS:
        return None
    app = application.app
    spec = await apps.version_spec(app.program_version)
    program = await Program.objects().where(Program.id == app.program).first()
    rnd = await Round.objects().where(Round.id == app.round).first()
    name = pick(program.name_zh, program.name_en) if program else ""
    if rnd is not None:
        name = f"{name} · {pick(rnd.name_zh, rnd.name_en)}"
    until = rnd.closes_at if rnd is not None and application.sub.status == FundingState.VERIFIED else None
    documents = await keyed.documents_by_key(apps.OWNER, application.id)
    return await receipts.of_submission(
        event,
        application.sub,
        _("%(program)s, application %(number)s", program=name, number=application.id),
        spec.stages,
        until,
        sum(1 for versions in documents.values() if versions),
        user_id,
    )
