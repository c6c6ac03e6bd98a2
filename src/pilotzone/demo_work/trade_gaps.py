"""The reconciliation in the demo (after the returns and the official figures of the other trade demo
steps): the months the daily run reconciles (this month and the 13 before) are reconciled, and the
largest open flag is explained by the city's admin, so the bureau's page shows open and explained flags.
Nothing when the city has no figures."""

from __future__ import annotations

from dataclasses import dataclass

from pilotzone import db
from pilotzone.demo_work.people import Cast
from pilotzone.trade.codes import GapStatus
from pilotzone.trade.reconcile import explain_gap, reconcile
from pilotzone.trade.reconcile_job import recent_months
from pilotzone.web.deadlines import tenant_today

NOTE = "企业申报含退货冲减前金额，已与企业核实（演示）"


@dataclass
class Done:
    flagged: int = 0
    explained: int = 0


async def seed(people: Cast) -> Done:
    """Reconcile the city's months; explain one flag as ``admin.<city>``."""
    counts = await reconcile(recent_months(tenant_today()))
    done = Done(flagged=counts.flagged)
    rows = await db.fetch(
        f"SELECT id FROM trade_gap WHERE status = '{GapStatus.OPEN.value}' ORDER BY abs(gap) DESC, id LIMIT 1"  # noqa: S608 - a constant
    )
    if rows:
        admin = people["admin"]
        await explain_gap(rows[0]["id"], NOTE, admin.user_id)
        done.explained = 1
    return done
