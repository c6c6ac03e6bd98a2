"""The workflow engine's transition table: lookups, refusals, and the README generated from it."""

from __future__ import annotations

import pytest

from pilotzone.codes import check_sql
from pilotzone.workflow import readme
from pilotzone.workflow.states import (
    STATES,
    Action,
    Actor,
    AwardState,
    CertificationState,
    FundingState,
    Guard,
    Kind,
    RegistrationState,
)
from pilotzone.workflow.transitions import INITIAL, TABLE, Refused, check, may


def test_readme_lists_the_table() -> None:
    text = readme.README.read_text(encoding="utf-8")
    assert readme.rendered(text) == text, "run: uv run --frozen python -m pilotzone.workflow.readme"


def test_readme_section_changes_with_the_table() -> None:
    text = readme.README.read_text(encoding="utf-8")
    assert "| `pending` | Accept (`accept`) | Bureau administrator | — | `active` |" in text
    stale = text.replace("`active` |", "`rejected` |", 1)
    assert readme.rendered(stale) != stale


def test_every_state_of_the_table_belongs_to_its_kind() -> None:
    for row in TABLE:
        assert isinstance(row.source, STATES[row.kind]) and isinstance(row.target, STATES[row.kind])
    for kind, (state, _action, _actor) in INITIAL.items():
        assert isinstance(state, STATES[kind])
    reached = {(r.kind, r.target) for r in TABLE} | {(k, s) for k, (s, _a, _w) in INITIAL.items()}
    unused = {(k, s) for k in Kind for s in STATES[k]} - reached
    # approved and submitted are kept for rows of older versions; nothing moves a submission there;
    # an award reads as awarded once its notice has ended (pz_award_state), nothing moves it there
    assert unused == {
        (Kind.CERTIFICATION, CertificationState.SUBMITTED),
        (Kind.CERTIFICATION, CertificationState.APPROVED),
        (Kind.FUNDING, FundingState.SUBMITTED),
        (Kind.AWARD, AwardState.AWARDED),
    }


def test_the_guards_pick_the_row() -> None:
    c = Kind.CERTIFICATION
    stage = {Actor.STAGE}
    more = check(c, "in_review", Action.APPROVE, stage, {Guard.NO_CONFLICT, Guard.MORE_STAGES})
    assert more.target is CertificationState.IN_REVIEW
    final = check(
        c, "in_review", Action.APPROVE, stage, {Guard.NO_CONFLICT, Guard.FINAL_STAGE, Guard.PASS_MARK}
    )
    assert final.target is CertificationState.NOTICE
    with pytest.raises(Refused) as below:
        check(c, "in_review", Action.APPROVE, stage, {Guard.NO_CONFLICT, Guard.FINAL_STAGE})
    assert below.value.why == "guard" and below.value.guard is Guard.PASS_MARK
    with pytest.raises(Refused) as conflicted:
        check(c, "in_review", Action.REJECT, stage, set())
    assert conflicted.value.guard is Guard.NO_CONFLICT and conflicted.value.status == 409


def test_refusals_say_why() -> None:
    with pytest.raises(Refused) as wrong_state:
        check(Kind.FUNDING, "verified", Action.WITHDRAW, {Actor.APPLICANT})
    assert wrong_state.value.why == "state" and wrong_state.value.status == 409
    with pytest.raises(Refused) as wrong_actor:
        check(Kind.REGISTRATION, "pending", Action.ACCEPT, {Actor.PUBLIC})
    assert wrong_actor.value.why == "actor" and wrong_actor.value.status == 403
    assert (
        check(Kind.REGISTRATION, "pending", Action.ACCEPT, {Actor.BUREAU_ADMIN}).target
        is RegistrationState.ACTIVE
    )
    assert may(Kind.FUNDING, "draft", Action.WITHDRAW, {Actor.APPLICANT})
    assert not may(Kind.FUNDING, "draft", Action.APPROVE, {Actor.APPLICANT})


def test_states_check_constraint() -> None:
    drop, add = check_sql("ledger_entry", "status", AwardState)
    assert "DROP CONSTRAINT IF EXISTS" in drop and '"ledger_entry_status_code"' in add
    assert "'objected'" in add and "'revoked'" in add and "'draft'" not in add
