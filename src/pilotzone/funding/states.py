"""The states of a funding round (``round.status``), a :class:`~pilotzone.codes.Coded` enum: the CHECK
constraint on the column is generated from it (``migrations/funding/…_raw.py``) and pages show its
label. Dates move a round scheduled → open → closed by themselves (``deadlines``); the bureau admin
may close an open round early, then calculation and approval move it on (``calculation``, ``ledger``)."""

from __future__ import annotations

from datetime import date

from pilotzone.codes import Coded


class RoundState(Coded):
    SCHEDULED = "scheduled", "未开始", "Not open yet"
    OPEN = "open", "申报中", "Open"
    CLOSED = "closed", "已截止", "Closed"
    CALCULATING = "calculating", "测算中", "Calculating"
    CALCULATED = "calculated", "已测算", "Calculated"
    APPROVED = "approved", "已批准", "Approved"


# the states the dates move; after ``closed`` only people move a round
BY_DATE = (RoundState.SCHEDULED, RoundState.OPEN)


def state_on(status: str, opens_at: date, closes_at: date, today: date) -> RoundState:
    """The state a round in ``status`` is in on ``today`` (tenant date) by its dates: scheduled until
    ``opens_at``, open through ``closes_at`` (the whole close day), closed after; a round past ``open``
    keeps its state."""
    current = RoundState(status)
    if current not in BY_DATE:
        return current
    if today > closes_at:
        return RoundState.CLOSED
    if today >= opens_at:
        return RoundState.OPEN
    return RoundState.SCHEDULED
