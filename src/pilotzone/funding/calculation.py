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
from decimal import Decimal
from typing import Any

import msgspec

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.funding.allocation import Claim, allocate
from pilotzone.funding.application_tables import Calculation
from pilotzone.funding.applications import FundingError, as_dict, now, typed_inputs
from pilotzone.funding.facts import subject_facts
from pilotzone.funding.program_spec import ProgramSpec, from_stored
from pilotzone.funding.programs import SubjectFacts, compiled
from pilotzone.funding.states import RoundState
from pilotzone.funding.tables import Round
from pilotzone.jobs.services import job, start_run
from pilotzone.jobs.tables import JobRun
from pilotzone.tenancy.context import current_tenant_id
from pilotzone.web.i18n import get_locale
from pilotzone.web.i18n import gettext as _
from pilotzone.workflow.states import FundingState

CHUNK = 500
KIND = "funding_calculation"

# ``values``: verified values where present, else the declared ones (the submission's; jsonb ``||``: the
# right side wins). The round's applications by id (keyset on funding_application's (tenant, round, id)
# index), each joined to its submission by primary key for the state, subject and declared values.
_CHUNK_SQL = f"""
SELECT a.id, a.program_version, s.values || a.verified AS values, s.subject_kind, s.subject_id
  FROM funding_application a JOIN submission s ON s.id = a.id AND s.tenant_id = a.tenant_id
 WHERE a.round = $1 AND s.status = '{FundingState.VERIFIED}' AND a.id > $2
 ORDER BY a.id
 LIMIT $3
"""  # noqa: S608 - fixed SQL text

_UPSERT = """
INSERT INTO calculation_result (tenant_id, calculation, application, eligible, claim, award, reasons, explanation)
SELECT $1, $2, u.app, u.eligible, u.claim, CASE WHEN u.eligible AND u.claim > 0 THEN NULL ELSE 0 END,
       u.reasons::jsonb, u.explanation::jsonb
  FROM unnest($3::int[], $4::bool[], $5::numeric[], $6::text[], $7::text[])
       AS u(app, eligible, claim, reasons, explanation)
ON CONFLICT (tenant_id, calculation, application) DO UPDATE
   SET eligible = EXCLUDED.eligible, claim = EXCLUDED.claim, award = EXCLUDED.award,
       reasons = EXCLUDED.reasons, explanation = EXCLUDED.explanation
"""

_CLAIMS = """
SELECT r.application, r.claim, COALESCE(a.score, 0) AS score, s.submitted_at
  FROM calculation_result r JOIN funding_application a ON a.id = r.application
  JOIN submission s ON s.id = a.id AND s.tenant_id = a.tenant_id
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


_ENCODER = msgspec.json.Encoder(enc_hook=lambda value: _plain(value))
_DECODER = msgspec.json.Decoder()


def _dumps(value: Any) -> str:
    """JSON for a jsonb column (dataclasses and Decimals as in ``_plain``; jsonb orders the keys)."""
    return _ENCODER.encode(value).decode()


def _values(raw: Any) -> dict:
    return _DECODER.decode(raw) if isinstance(raw, str | bytes) else dict(raw or {})


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
    if rnd.status != RoundState.OPEN:
        raise FundingError("status", _("Only an open round can be closed."), 409)
    closed = RoundState.CLOSED.value
    await Round.update({Round.status: closed, Round.updated_at: now()}).where(Round.id == rnd.id)
    await audit.record("round.closed", "round", rnd.id, before={"status": rnd.status}, after={"status": closed})


async def start_calculation(principal: Principal, round_id: int) -> Calculation:
    """A new calculation version of a closed (or already calculated) round and its job run."""
    locked = await db.fetch("SELECT status FROM round WHERE id = $1 FOR UPDATE", round_id)
    if not locked:
        raise FundingError("status", _("No such round."), 404)
    status = locked[0]["status"]
    if status not in (RoundState.CLOSED, RoundState.CALCULATED):
        raise FundingError(
            "status", _("Close the round before calculating it; an approved round stays as it is."), 409
        )
    rows = await db.fetch("SELECT COALESCE(max(version), 0) AS v FROM calculation WHERE round = $1", round_id)
    count = await db.fetch(
        "SELECT count(*) AS n FROM funding_application a JOIN submission s ON s.id = a.id"
        " AND s.tenant_id = a.tenant_id WHERE a.round = $1 AND s.status = $2",
        round_id,
        FundingState.VERIFIED,
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
    await Round.update({Round.status: RoundState.CALCULATING.value, Round.updated_at: now()}).where(
        Round.id == round_id
    )
    await audit.record(
        "calculation.started",
        "round",
        round_id,
        before={"status": status},
        after={
            "status": RoundState.CALCULATING.value,
            "calculation": calc.id,
            "version": calc.version,
            "job_run": run.id,
        },
    )
    return calc


# -- the job


def _evaluate(program: Any, spec: ProgramSpec, row: Any, facts: SubjectFacts | None) -> tuple:
    """(eligible, claim, reasons, explanation) for one application row; ``facts`` None: the subject is
    no longer in the tenant's registry (not registered, holds nothing)."""
    facts = facts or SubjectFacts()
    values = _values(row["values"])
    try:
        result = program.evaluate(typed_inputs(spec, values), facts)
    except ValueError as exc:  # FormulaError: e.g. a value the formula needs is missing
        reason = {
            "rule": "formula",
            "ok": False,
            "message_zh": f"无法计算：{exc}",
            "message_en": f"cannot evaluate: {exc}",
        }
        step = {
            "expr": "formula",
            "value": "0.00",
            "note_zh": reason["message_zh"],
            "note_en": reason["message_en"],
        }
        return False, Decimal("0.00"), [reason], [step]
    reasons: list = list(result.reasons)  # Reason dataclasses: encoded as objects by _dumps
    explanation = result.explanation
    eligible, claim = bool(result.eligible), result.amount if result.eligible else Decimal("0.00")
    negative = facts.negative_entry
    if negative and eligible:  # a program without the rule: the negative list excludes all the same
        eligible, claim = False, Decimal("0.00")
        reasons.append(
            {
                "rule": "not_on_negative_list",
                "ok": False,
                "message_zh": f"计算时列入信用负面清单：{negative}",
                "message_en": f"On the credit negative list at calculation time: {negative}",
            }
        )
        explanation.append(
            {
                "expr": "negative_list",
                "value": "true",
                "note_zh": f"计算时列入信用负面清单：{negative}（{facts.negative_source}），金额为 0",
                "note_en": f"On the credit negative list at calculation time: {negative}"
                f" ({facts.negative_source}): amount 0",
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


_VERSIONS: dict[int, tuple[Any, ProgramSpec]] = {}  # version id → (compiled, spec); versions never change


async def _programs(version_ids: set[int]) -> dict[int, tuple[Any, ProgramSpec]]:
    """The compiled program and spec of each version, read once per process (one query for the new ones)."""
    missing = [vid for vid in version_ids if vid not in _VERSIONS]
    if missing:
        if len(_VERSIONS) > 1024:
            _VERSIONS.clear()
        for row in await db.fetch("SELECT id, spec FROM program_version WHERE id = ANY($1::int[])", missing):
            _VERSIONS[row["id"]] = (
                compiled({"id": row["id"], "spec": row["spec"]}),
                from_stored(row["spec"]),
            )
    return {vid: _VERSIONS[vid] for vid in version_ids}


@job(KIND)
async def calculation_step(run: JobRun) -> bool:
    rows = await db.fetch(_CALCULATION, int(as_dict(run.args)["calculation"]))
    if not rows or rows[0]["status"] != "running":
        return True
    calc = rows[0]
    rows = await db.fetch(_CHUNK_SQL, calc["round"], calc["cursor"], CHUNK)
    if rows:
        versions = await _programs({r["program_version"] for r in rows})
        # trade facts (one more query) only when a program of the chunk names one; reference: the round's opening
        year = calc["opens_at"].year if any(versions[v][0].trade_names for v in versions) else None
        facts = await subject_facts([(r["subject_kind"], r["subject_id"]) for r in rows], calc["as_of"], year)
        apps, eligible, claims, reasons, explanations = [], [], [], [], []
        for row in rows:
            program, spec = versions[row["program_version"]]
            ok, claim, why, steps = _evaluate(
                program, spec, row, facts.get((row["subject_kind"], row["subject_id"]))
            )
            apps.append(row["id"])
            eligible.append(ok)
            claims.append(claim)
            reasons.append(_dumps(why))
            explanations.append(_dumps(steps))
        await db.fetch(
            _UPSERT, current_tenant_id(), calc["id"], apps, eligible, claims, reasons, explanations
        )
        await db.fetch("UPDATE calculation SET cursor = $2 WHERE id = $1", calc["id"], apps[-1])
        run.done = min(run.done + len(rows), max(run.total, run.done + len(rows)))
        return False
    await _allocate(calc["id"], calc["round"])
    return True


_CALCULATION = """
SELECT c.id, c.round, c.status, c.cursor, c.as_of, r.opens_at
  FROM calculation c JOIN round r ON r.id = c.round AND r.tenant_id = c.tenant_id WHERE c.id = $1
"""


async def _allocate(calculation_id: int, round_id: int) -> None:
    """Awards for the claimants (eligible, claim > 0); every other result got 0 when it was written,
    so each row is updated at most once."""
    rnd = (await db.fetch("SELECT budget, rule, partial FROM round WHERE id = $1", round_id))[0]
    claims = (
        Claim(
            id=r["application"], claim=r["claim"], score=Decimal(r["score"]), submitted_at=r["submitted_at"]
        )
        for r in await db.fetch(_CLAIMS, calculation_id)
    )
    awards = allocate(claims, Decimal(rnd["budget"]), rnd["rule"], partial=bool(rnd["partial"]))
    ids = sorted(awards)
    await db.fetch(_AWARDS, calculation_id, ids, [awards[i] for i in ids])
    totals = (await db.fetch(_TOTALS, calculation_id))[0]
    await Calculation.update(
        {
            Calculation.status: "calculated",
            Calculation.applications: totals["n"],
            Calculation.eligible: totals["eligible"],
            Calculation.total_claim: totals["claim"],
            Calculation.total_award: totals["award"],
            Calculation.finished_at: now(),
        }
    ).where(Calculation.id == calculation_id)
    await Round.update({Round.status: RoundState.CALCULATED.value, Round.updated_at: now()}).where(
        Round.id == round_id
    )


# -- reading


async def calculations_of(round_id: int) -> list[dict]:
    return (
        await Calculation.select()
        .where(Calculation.round == round_id)
        .order_by(Calculation.version, ascending=False)
    )


RESULT_FILTERS = {
    "": "TRUE",
    "eligible": "r.eligible",
    "ineligible": "NOT r.eligible",
    "awarded": "r.award > 0",
    "cut": "r.eligible AND COALESCE(r.award, 0) < r.claim",  # got less than the claim
}
_RESULTS = """
SELECT r.application, a.subject_label, r.eligible, r.claim, r.award, r.reasons, r.explanation
  FROM calculation_result r JOIN submission a ON a.id = r.application AND a.tenant_id = r.tenant_id
 WHERE r.calculation = $1 AND ({where}) AND ($2 = '' OR a.subject_label ILIKE '%' || $2 || '%'
       OR r.application::text = $2)
 ORDER BY r.application LIMIT $3 OFFSET $4
"""
_COUNT = """
SELECT count(*) FROM calculation_result r JOIN submission a ON a.id = r.application AND a.tenant_id = r.tenant_id
 WHERE r.calculation = $1 AND ({where}) AND ($2 = '' OR a.subject_label ILIKE '%' || $2 || '%'
       OR r.application::text = $2)
"""


async def count_results(calculation_id: int, q: str = "", show: str = "") -> int:
    """How many results match ``q`` (part of the applicant's name, or an application number) and ``show``."""
    where = RESULT_FILTERS.get(show, "TRUE")
    return (await db.fetch(_COUNT.format(where=where), calculation_id, _like(q)))[0]["count"]


def _like(q: str) -> str:
    return q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def results_page(
    calculation_id: int, q: str = "", show: str = "", limit: int = 50, offset: int = 0
) -> list[dict]:
    out = []
    where = RESULT_FILTERS.get(show, "TRUE")
    for r in await db.fetch(_RESULTS.format(where=where), calculation_id, _like(q), limit, offset):
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
  JOIN submission a ON a.id = COALESCE(n.application, o.application)
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
