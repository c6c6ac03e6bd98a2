"""Round calculation (测算): a bureau administrator closes a round and starts a calculation — a
``Calculation`` row (version n + 1 of the round) and a job run. Each job step takes the next chunk of
verified applications by id (keyset on ``Calculation.cursor``), evaluates the compiled program of each
application's version against verified-else-declared inputs and the subject's facts as of the
calculation's ``as_of`` (certifications, negative list), and upserts the chunk's results by
(calculation, application) in one statement. The last step allocates the round's budget over the
claims and writes the awards. A step that dies rolls back whole, so a rerun gives the same rows.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.funding.application_tables import Calculation
from pilotzone.funding.applications import FundingError, as_dict, now, typed_inputs
from pilotzone.funding.facts import certifications_held, negative_entries
from pilotzone.funding.tables import ProgramVersion, Round
from pilotzone.jobs.services import job, start_run
from pilotzone.jobs.tables import JobRun
from pilotzone.tenancy.context import current_tenant_id
from pilotzone.web.i18n import get_locale
from pilotzone.web.i18n import gettext as _

CHUNK = 300
KIND = "funding_calculation"

_CHUNK_SQL = """
SELECT a.id, a.program_version, a.declared, a.verified, a.applicant_enterprise, a.subject_kind,
       COALESCE(e.status = 'active', a.applicant_enterprise IS NULL) AS registered
  FROM funding_application a LEFT JOIN enterprise e ON e.id = a.applicant_enterprise
 WHERE a.round = $1 AND a.status = 'verified' AND a.id > $2
 ORDER BY a.id
 LIMIT $3
"""

_UPSERT = """
INSERT INTO calculation_result (tenant_id, calculation, application, eligible, claim, award, reasons, explanation)
SELECT $1, $2, u.app, u.eligible, u.claim, NULL, u.reasons::jsonb, u.explanation::jsonb
  FROM unnest($3::int[], $4::bool[], $5::numeric[], $6::text[], $7::text[])
       AS u(app, eligible, claim, reasons, explanation)
ON CONFLICT (tenant_id, calculation, application) DO UPDATE
   SET eligible = EXCLUDED.eligible, claim = EXCLUDED.claim, award = NULL,
       reasons = EXCLUDED.reasons, explanation = EXCLUDED.explanation
"""

_CLAIMS = """
SELECT r.application, r.claim, COALESCE(a.score, 0) AS score, a.submitted_at
  FROM calculation_result r JOIN funding_application a ON a.id = r.application
 WHERE r.calculation = $1 AND r.eligible AND r.claim > 0
"""

_AWARDS = """
UPDATE calculation_result r SET award = u.award
  FROM unnest($2::int[], $3::numeric[]) AS u(app, award)
 WHERE r.calculation = $1 AND r.application = u.app
"""

_TOTALS = """
SELECT count(*) AS n, count(*) FILTER (WHERE eligible) AS eligible,
       COALESCE(sum(claim), 0) AS claim, COALESCE(sum(award), 0) AS award
  FROM calculation_result WHERE calculation = $1
"""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "__dataclass_fields__"):
        return {k: getattr(value, k) for k in value.__dataclass_fields__}
    if hasattr(value, "__struct_fields__"):
        return {k: getattr(value, k) for k in value.__struct_fields__}
    return str(value)


# -- starting


async def close_round(principal: Principal, rnd: Round) -> None:
    if rnd.status != "open":
        raise FundingError("status", _("Only an open round can be closed."), 409)
    await Round.update({Round.status: "closed", Round.updated_at: now()}).where(Round.id == rnd.id)
    await audit.record("round.closed", "round", rnd.id, before={"status": "open"}, after={"status": "closed"})


async def start_calculation(principal: Principal, round_id: int) -> Calculation:
    """A new calculation version of a closed (or already calculated) round and its job run."""
    locked = await db.fetch("SELECT status FROM round WHERE id = $1 FOR UPDATE", round_id)
    if not locked:
        raise FundingError("status", _("No such round."), 404)
    status = locked[0]["status"]
    if status not in ("closed", "calculated"):
        raise FundingError(
            "status", _("Close the round before calculating it; an approved round stays as it is."), 409
        )
    rows = await db.fetch("SELECT COALESCE(max(version), 0) AS v FROM calculation WHERE round = $1", round_id)
    count = await db.fetch(
        "SELECT count(*) AS n FROM funding_application WHERE round = $1 AND status = 'verified'", round_id
    )
    await Calculation.update({Calculation.status: "superseded"}).where(
        (Calculation.round == round_id) & (Calculation.status.is_in(["calculated", "running", "failed"]))
    )
    calc = Calculation(
        round=round_id,
        version=rows[0]["v"] + 1,
        started_by=principal.user_id,
        started_by_email=principal.label,
        as_of=now(),
        applications=count[0]["n"],
    )
    await calc.save()
    run = await start_run(KIND, total=count[0]["n"], args={"calculation": calc.id})
    await Calculation.update({Calculation.job_run: run.id}).where(Calculation.id == calc.id)
    calc.job_run = run.id
    await Round.update({Round.status: "calculating", Round.updated_at: now()}).where(Round.id == round_id)
    await audit.record(
        "calculation.started",
        "round",
        round_id,
        before={"status": status},
        after={"status": "calculating", "calculation": calc.id, "version": calc.version, "job_run": run.id},
    )
    return calc


# -- the job


async def _facts_for(rows: list, as_of: datetime) -> tuple[dict[int, frozenset[str]], dict[int, dict]]:
    enterprises = [r["applicant_enterprise"] for r in rows if r["applicant_enterprise"] is not None]
    return await certifications_held(enterprises, as_of), await negative_entries(enterprises, as_of)


def _evaluate(program: Any, spec: dict, row: Any, certs: frozenset[str], negative: dict | None) -> tuple:
    """(eligible, claim, reasons, explanation) for one application row."""
    from pilotzone.funding.programs import SubjectFacts

    values = {**as_dict(row["declared"]), **as_dict(row["verified"])}
    facts = SubjectFacts(
        certifications=certs,
        negative_entry=negative["reason"] if negative else None,
        registered=bool(row["registered"]),
    )
    try:
        result = program.evaluate(typed_inputs(spec, values), facts)
    except ValueError as exc:  # FormulaError: e.g. a value the formula needs is missing
        reason = {"rule": "formula", "ok": False, "message_zh": f"无法计算：{exc}", "message_en": f"cannot evaluate: {exc}"}
        step = {"expr": "formula", "value": "0.00", "note_zh": reason["message_zh"], "note_en": reason["message_en"]}
        return False, Decimal("0.00"), [reason], [step]
    reasons = [_plain(r) for r in result.reasons]
    explanation = [s if isinstance(s, dict) else _plain(s) for s in result.explanation]
    eligible, claim = bool(result.eligible), result.amount if result.eligible else Decimal("0.00")
    if negative and eligible:  # a program without the rule: the negative list excludes all the same
        eligible, claim = False, Decimal("0.00")
        reasons.append(
            {
                "rule": "not_on_negative_list",
                "ok": False,
                "message_zh": f"计算时列入信用负面清单：{negative['reason']}",
                "message_en": f"On the credit negative list at calculation time: {negative['reason']}",
            }
        )
        explanation.append(
            {
                "expr": "negative_list",
                "value": "true",
                "note_zh": f"计算时列入信用负面清单：{negative['reason']}（{negative['source']}），金额为 0",
                "note_en": f"On the credit negative list at calculation time: {negative['reason']}"
                f" ({negative['source']}): amount 0",
            }
        )
    return eligible, claim, reasons, explanation


def failed_reasons(reasons: list, locale: str = "zh_CN") -> list[str]:
    """The messages of the rules that made an application ineligible."""
    out = []
    for r in reasons or []:
        if isinstance(r, dict) and r.get("ok") is False:
            out.append(r.get("message_zh" if locale.startswith("zh") else "message_en", ""))
        elif isinstance(r, str):
            out.append(r)
    return out


@job(KIND)
async def calculation_step(run: JobRun) -> bool:
    from pilotzone.funding.programs import compiled

    calc = await Calculation.objects().where(Calculation.id == int(as_dict(run.args)["calculation"])).first()
    if calc is None or calc.status != "running":
        return True
    rows = await db.fetch(_CHUNK_SQL, calc.round, calc.cursor, CHUNK)
    if rows:
        versions: dict[int, tuple[Any, dict]] = {}
        for vid in {r["program_version"] for r in rows}:
            version = await ProgramVersion.objects().where(ProgramVersion.id == vid).first()
            assert version is not None
            versions[vid] = (compiled(version), as_dict(version.spec))
        certs, negative = await _facts_for(rows, calc.as_of)
        apps, eligible, claims, reasons, explanations = [], [], [], [], []
        for row in rows:
            program, spec = versions[row["program_version"]]
            ent = row["applicant_enterprise"]
            ok, claim, why, steps = _evaluate(
                program, spec, row, certs.get(ent, frozenset()), negative.get(ent)
            )
            apps.append(row["id"])
            eligible.append(ok)
            claims.append(claim)
            reasons.append(_dumps(why))
            explanations.append(_dumps(steps))
        await db.fetch(_UPSERT, current_tenant_id(), calc.id, apps, eligible, claims, reasons, explanations)
        await Calculation.update({Calculation.cursor: rows[-1]["id"]}).where(Calculation.id == calc.id)
        run.done = min(run.done + len(rows), max(run.total, run.done + len(rows)))
        return False
    await _allocate(calc)
    return True


async def _allocate(calc: Calculation) -> None:
    from pilotzone.funding.allocation import Claim, allocate

    rnd = await Round.objects().where(Round.id == calc.round).first()
    assert rnd is not None
    claims = (
        Claim(
            id=r["application"], claim=r["claim"], score=Decimal(r["score"]), submitted_at=r["submitted_at"]
        )
        for r in await db.fetch(_CLAIMS, calc.id)
    )
    awards = allocate(claims, Decimal(rnd.budget), rnd.rule, partial=bool(rnd.partial))
    await db.fetch("UPDATE calculation_result SET award = 0 WHERE calculation = $1", calc.id)
    ids = sorted(awards)
    await db.fetch(_AWARDS, calc.id, ids, [awards[i] for i in ids])
    totals = (await db.fetch(_TOTALS, calc.id))[0]
    await Calculation.update(
        {
            Calculation.status: "calculated",
            Calculation.applications: totals["n"],
            Calculation.eligible: totals["eligible"],
            Calculation.total_claim: totals["claim"],
            Calculation.total_award: totals["award"],
            Calculation.finished_at: now(),
        }
    ).where(Calculation.id == calc.id)
    await Round.update({Round.status: "calculated", Round.updated_at: now()}).where(Round.id == rnd.id)


# -- reading


async def calculations_of(round_id: int) -> list[dict]:
    return (
        await Calculation.select()
        .where(Calculation.round == round_id)
        .order_by(Calculation.version, ascending=False)
    )


_RESULTS = """
SELECT r.application, a.subject_label, r.eligible, r.claim, r.award, r.reasons, r.explanation
  FROM calculation_result r JOIN funding_application a ON a.id = r.application
 WHERE r.calculation = $1 AND r.application > $2
 ORDER BY r.application LIMIT $3
"""


async def results_page(calculation_id: int, after: int = 0, limit: int = 200) -> list[dict]:
    out = []
    for r in await db.fetch(_RESULTS, calculation_id, after, limit):
        row = dict(r)
        reasons = json.loads(row["reasons"]) if isinstance(row["reasons"], str) else row["reasons"]
        row["reasons"] = failed_reasons(reasons, get_locale())
        row["explanation"] = (
            json.loads(row["explanation"]) if isinstance(row["explanation"], str) else row["explanation"]
        )
        out.append(row)
    return out


_DIFF = """
SELECT COALESCE(n.application, o.application) AS application, a.subject_label, o.award AS old, n.award AS new
  FROM (SELECT application, award FROM calculation_result WHERE calculation = $1) n
  FULL JOIN (SELECT application, award FROM calculation_result WHERE calculation = $2) o
       ON o.application = n.application
  JOIN funding_application a ON a.id = COALESCE(n.application, o.application)
 WHERE n.award IS DISTINCT FROM o.award
 ORDER BY 1 LIMIT 500
"""


async def differences(calc: dict) -> tuple[dict | None, list[dict]]:
    """The previous calculation of the round and, per application, old → new award where they differ."""
    previous = await (
        Calculation.select()
        .where((Calculation.round == calc["round"]) & (Calculation.version < calc["version"]))
        .order_by(Calculation.version, ascending=False)
        .first()
    )
    if previous is None:
        return None, []
    return previous, [dict(r) for r in await db.fetch(_DIFF, calc["id"], previous["id"])]
