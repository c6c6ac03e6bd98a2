"""The applicant's estimate: the compiled program of the application's version evaluated on what it
declares (verified values where a reviewer set them), explained in words (and, for staff, the formula)."""

from __future__ import annotations

from datetime import UTC, datetime

from pilotzone.funding.applications import Applied, effective_values, typed_inputs
from pilotzone.funding.explain import formula_lines, words
from pilotzone.funding.facts import facts_of
from pilotzone.funding.program_spec import ProgramSpec
from pilotzone.funding.programs import SubjectFacts, compiled
from pilotzone.funding.tables import ProgramVersion, Round
from pilotzone.web.i18n import get_locale


async def estimate_of(application: Applied, spec: ProgramSpec) -> dict | None:
    """{eligible, amount, reasons, lines} or None when the program cannot be evaluated yet."""
    version = await ProgramVersion.objects().where(ProgramVersion.id == application.app.program_version).first()
    if version is None:
        return None
    on = datetime.now(UTC)
    rnd = await Round.objects().where(Round.id == application.app.round).first()
    year = rnd.opens_at.year if rnd is not None else on.year  # the trade facts' reference: the round's opening
    facts = await facts_of(application.sub.subject_kind, application.sub.subject_id, on, year) or SubjectFacts()
    try:
        result = compiled(version).evaluate(typed_inputs(spec, effective_values(application)), facts)
    except ValueError:  # an input the formula needs is missing or invalid: no estimate yet
        return None
    locale = get_locale()
    return {
        "eligible": result.eligible,
        "amount": result.amount,
        "reasons": [
            f"{r.message_zh if locale.startswith('zh') else r.message_en}"
            for r in result.reasons
            if r.ok is False
        ],
        "words": words(result.explanation, spec, locale),  # what the applicant reads
        "lines": formula_lines(result.explanation, locale),  # the formula view (staff)
    }
