"""The applicant's estimate: the compiled program of the application's version evaluated on what it
declares (verified values where a reviewer set them), with a plain explanation."""

from __future__ import annotations

from datetime import UTC, datetime

from pilotzone.funding.application_tables import FundingApplication
from pilotzone.funding.applications import effective_values, typed_inputs
from pilotzone.funding.facts import facts_of
from pilotzone.funding.formula import Step, explanation
from pilotzone.funding.programs import SubjectFacts, compiled
from pilotzone.funding.tables import ProgramVersion
from pilotzone.web.i18n import get_locale


async def estimate_of(application: FundingApplication, spec: dict) -> dict | None:
    """{eligible, amount, reasons, lines} or None when the program cannot be evaluated yet."""
    version = await ProgramVersion.objects().where(ProgramVersion.id == application.program_version).first()
    if version is None:
        return None
    on = datetime.now(UTC)
    facts = await facts_of(application.subject_kind, application.subject_id, on) or SubjectFacts()
    try:
        result = compiled(version).evaluate(typed_inputs(spec, effective_values(application)), facts)
    except ValueError:  # an input the formula needs is missing or invalid: no estimate yet
        return None
    steps = [
        s if isinstance(s, Step) else Step(**{k: s[k] for k in ("expr", "value", "note_zh", "note_en")})
        for s in result.explanation
    ]
    return {
        "eligible": result.eligible,
        "amount": result.amount,
        "reasons": [f"{r.message_zh if get_locale().startswith('zh') else r.message_en}" for r in result.reasons if r.ok is False],
        "lines": explanation(steps, get_locale()),
    }
