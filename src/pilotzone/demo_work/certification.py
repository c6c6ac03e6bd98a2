"""Certification work of the demo (认定): applications of the scheme about enterprises in every state,
each taken there by the demo accounts through the product's own steps — start, documents, submit,
the review at each stage, an information request and its answer, the public notice, objections and
their resolution, the issue of the certificate."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.certification import answers
from pilotzone.certification.applications import (
    KIND,
    Case,
    actors,
    create_application,
    get_application,
    spec_of,
    validate,
)
from pilotzone.certification.certificates import issue_due_certificates
from pilotzone.certification.notices import raise_objection, resolve
from pilotzone.certification.reviews import decide
from pilotzone.certification.schemes import FieldSpec
from pilotzone.demo_work.common import DEMO_IP
from pilotzone.demo_work.people import Cast, act, backdate, file_documents, present
from pilotzone.registry.tables import Enterprise
from pilotzone.settings import get_settings
from pilotzone.web.deadlines import tenant_today
from pilotzone.workflow import submissions
from pilotzone.workflow.forms import ObjectionForm, ReviewForm
from pilotzone.workflow.states import Action
from pilotzone.workflow.tables import Notice, Submission
from pilotzone.workflow.transitions import move_row

SCHEME = "demo-enterprise"  # 示范企业认定: about an enterprise, district → city reviewer → bureau admin
PARK_SCHEME = "park"  # 产业园区认定: the park operator's own
OWNER = "application"
TEXTS = (
    "以自有品牌家居用品经亚马逊、速卖通等平台出口欧美，设有海外仓两处。",
    "主营小家电跨境出口，采用 9610 与 9810 模式，年服务海外消费者逾十万人次。",
    "依托本地服装产业带开展 B2B 跨境出口，建有独立站与海外营销团队。",
)


@dataclass
class Done:
    """What the certification work made: application ids by the state they were left in."""

    by_state: dict[str, list[int]] = field(default_factory=dict)
    objections: int = 0
    certificates: int = 0

    def add(self, state: str, app_id: int) -> None:
        self.by_state.setdefault(state, []).append(app_id)


def value_of(spec: FieldSpec, i: int) -> str:
    """A plausible value of a field (within its limits), varied by ``i``."""
    if spec.type == "choice":
        return spec.options[i % len(spec.options)] if spec.options else ""
    if spec.type == "boolean":
        return "yes"
    if spec.type == "date":
        return (tenant_today() - timedelta(days=400 + 30 * i)).isoformat()
    if spec.type == "text":
        text = TEXTS[i % len(TEXTS)]
        return text[: spec.max_length] if spec.max_length else text
    low = spec.min if spec.min is not None else Decimal(0)
    value = low * Decimal("1.5") + Decimal(3 + 7 * i) if low else Decimal(3 + 7 * i)
    if spec.max is not None:
        value = min(value, spec.max)
    return str(int(value)) if spec.type == "integer" else str(value.quantize(Decimal("1")))


def values_for(case: Case, i: int) -> dict[str, str]:
    return {f.key: value_of(f, i) for f in spec_of(case).fields}


async def _reread(case: Case) -> Case:
    again = await get_application(case.id)
    assert again is not None
    return again


async def start(who: Principal, enterprise: Enterprise | int, i: int, scheme: str = SCHEME) -> Case:
    """A draft with every field typed (saved as the form's autosave does) and its documents filed;
    ``enterprise``: the subject (an enterprise, or the id of the scheme's subject)."""
    subject = enterprise if isinstance(enterprise, int) else enterprise.id
    case = await create_application(act(who), scheme, str(subject))
    await audit.record(
        "application.created",
        "application",
        case.id,
        after={
            "scheme": scheme,
            "scheme_version": case.app.scheme_version,
            "subject_kind": case.sub.subject_kind,
            "subject_id": case.sub.subject_id,
        },
    )
    await submissions.save_values(who, case.sub, values_for(case, i))
    await file_documents(OWNER, case.id, spec_of(case).documents)
    return await _reread(case)


async def submit(who: Principal, case: Case) -> Case:
    """Submit as the application page does: every field and document checked, review at stage 0."""
    act(who)
    values = case.declared
    errors = validate(spec_of(case), values, await present(OWNER, case.id))
    if errors:
        raise RuntimeError(f"demo: application {case.id} does not pass its checks: {errors}")
    now = datetime.now(UTC)
    moved = await move_row(
        KIND,
        case.sub,
        Action.SUBMIT,
        actors(who, case),
        changes={Submission.stage: 0, Submission.submitted_at: now, Submission.updated_at: now},
    )
    await submissions.record_move(who, case.sub, moved.target)
    await audit.record(
        "application.submitted",
        "application",
        case.id,
        before={"status": case.sub.status},
        after={
            "status": moved.target,
            "stage": 0,
            "values": values,
            "scheme_version": case.app.scheme_version,
        },
    )
    return await _reread(case)


def _scores(case: Case, fraction: float) -> dict[str, str]:
    return {f"score:{c.key}": str(round(c.scale * fraction)) for c in spec_of(case).criteria}


async def review(cast: Cast, case: Case, decision: str, comment: str = "", **named: str) -> Case:
    """One decision by the account of the application's current stage."""
    who = cast.stage(spec_of(case).stages[case.sub.stage])
    scores = _scores(case, 0.85) if decision == "approve" else {}
    await decide(who, case, ReviewForm(decision=decision, comment=comment), {**scores, **named})
    return await _reread(case)


async def approve_through(cast: Cast, case: Case, stages: int) -> Case:
    for _ in range(stages):
        case = await review(cast, case, "approve", "材料齐全，符合条件。")
    return case


async def _end_notice(case: Case) -> None:
    """The notice's days have passed (time moved as the notice tests move it)."""
    await Notice.update({Notice.notice_until: datetime.now(UTC) - timedelta(hours=1)}).where(
        (Notice.kind == KIND.value) & (Notice.submission == case.id)
    )


async def _object(case: Case, name: str, reason: str) -> int:
    form = ObjectionForm(name=name, contact="020-8888" + str(1000 + case.id % 9000), reason=reason)
    return (await raise_objection(case.id, form, DEMO_IP)).id


async def seed(cast: Cast, own: Enterprise, others: list[Enterprise]) -> Done:
    """Applications of the demo enterprise (``own``: its user's to-do and certificate) and of the
    other enterprises of the first park (made by the park's operator) in every state."""
    done = Done()
    park = cast["park"]
    stages = len(spec_of(await start(park, others[0], 0)).stages)  # the first is a draft
    done.add("draft", (await _latest(others[0])))
    spread: list[tuple[int, int]] = []  # (application, days back)

    for n, (enterprise, stage) in enumerate(((others[1], 0), (others[2], 0), (others[3], 1), (others[4], 2))):
        case = await submit(cast["park"], await start(cast["park"], enterprise, n + 1))
        case = await approve_through(cast, case, stage)
        done.add(f"in_review:{stage}", case.id)
        spread.append((case.id, 6 + 9 * n))

    # information requested of the demo enterprise at the district stage: its user's to-do
    enterprise_user = cast["enterprise"]
    case = await submit(cast["enterprise"], await start(enterprise_user, own, 5))
    first = spec_of(case).fields[0].key
    case = await review(
        cast,
        case,
        "request_info",
        "请补充说明上年度出口额的海关数据口径。",
        **{f"reopen:field:{first}": "on"},
    )
    done.add("info_requested", case.id)
    spread.append((case.id, 12))

    # a certificate of the demo enterprise (its information round trip answered on the way)
    case = await submit(cast["enterprise"], await start(enterprise_user, own, 6))
    case = await review(
        cast, case, "request_info", "请补充自有品牌的注册证明。", **{f"reopen:field:{first}": "on"}
    )
    await answers.answer(
        cast["enterprise"],
        case,
        {first: values_for(case, 7)[first], "note": "已按要求补充，数据以海关统计为准。"},
    )
    case = await approve_through(cast, await _reread(case), stages)
    await _end_notice(case)
    spread.append((case.id, 95))
    certified = [case.id]

    # under public notice; objected (open); a dismissed objection: the notice resumed
    for n, enterprise in enumerate(others[5:8]):
        case = await approve_through(cast, await submit(park, await start(park, enterprise, 8 + n)), stages)
        if n == 0:
            done.add("notice", case.id)
        elif n == 1:
            await _object(case, "王先生", "该企业上年度出口额与海关公开数据不符，请核实。")
            done.add("objected", case.id)
            done.objections += 1
        else:
            objection = await _object(case, "陈女士", "据悉该企业存在侵犯他人商标的情况。")
            await resolve(
                cast["admin"], objection, "dismissed", "经核查，相关商标纠纷已于去年和解，异议不成立。"
            )
            done.objections += 1
            done.add("notice", case.id)

    # the park operator's own park, waiting at the district stage
    park_id = park.acting.park_id if park.acting else None
    if park_id is not None:
        case = await submit(park, await start(park, park_id, 12, scheme=PARK_SCHEME))
        done.add("park:in_review:0", case.id)
        spread.append((case.id, 18))

    # rejected at the city reviewer's stage
    case = await approve_through(cast, await submit(park, await start(park, others[8], 11)), 1)
    case = await review(cast, case, "reject", "近两年存在海关行政处罚记录，不符合示范企业条件。")
    done.add("rejected", case.id)
    spread.append((case.id, 40))

    act(
        cast.by_local["admin"]
    )  # issued as the admin's "issue due certificates" button does (the hourly job likewise)
    issued = await issue_due_certificates(get_settings().public_url)
    done.certificates = len(issued)
    for app_id in certified:
        done.add("certified", app_id)
    for app_id, days in spread:
        await backdate([app_id], days)
    return done


async def _latest(enterprise: Enterprise) -> int:
    row = await (
        Submission.select(Submission.id)
        .where((Submission.kind == KIND.value) & (Submission.subject_id == enterprise.id))
        .order_by(Submission.id, ascending=False)
        .first()
    )
    assert row is not None
    return int(row["id"])
