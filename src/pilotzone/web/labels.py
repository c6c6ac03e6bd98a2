"""Display labels for stored codes (park kinds, table names, job states); English msgids."""

from __future__ import annotations

from functools import cache

from pilotzone.codes import Coded
from pilotzone.web.i18n import get_locale, gettext


def N_(message: str) -> str:  # noqa: N802 - the conventional marker for message extraction
    return message


LABELS: dict[str, dict[str, str]] = {
    "park_kind": {
        "comprehensive_bonded_zone": N_("Comprehensive bonded zone"),
        "bonded_port_area": N_("Bonded port area"),
        "bonded_zone": N_("Bonded zone"),
        "bonded_logistics_center": N_("Bonded logistics centre"),
        "industrial_park": N_("Industrial park"),
        "specialized_market": N_("Specialised market"),
        "supervision_center": N_("Customs supervision centre"),
        "clearance_center": N_("Clearance service centre"),
    },
    "table": {
        "park": N_("Parks"),
        "document": N_("Documents"),
        "job_run": N_("Job runs"),
        "tenant_snapshot": N_("Statistics snapshots"),
        "enterprise": N_("Enterprises"),
        "membership": N_("Memberships"),
        "scheme": N_("Certification schemes"),
        "overseas_warehouse": N_("Overseas warehouses"),
        "talent": N_("Talents"),
    },
    "role": {
        "province_admin": N_("Provincial administrator"),
        "province_viewer": N_("Provincial viewer"),
        "bureau_admin": N_("Bureau administrator"),
        "bureau_reviewer": N_("Bureau reviewer"),
        "district_reviewer": N_("District reviewer"),
        "park_operator": N_("Park operator"),
        "enterprise_user": N_("Enterprise user"),
    },
    "subject": {
        "park": N_("Park"),
        "enterprise": N_("Enterprise"),
        "overseas_warehouse": N_("Overseas warehouse"),
        "talent": N_("Talent"),
    },
    "field_type": {
        "text": N_("Text"),
        "integer": N_("Whole number"),
        "decimal": N_("Number"),
        "amount": N_("Amount"),
        "date": N_("Date"),
        "choice": N_("Choice"),
        "boolean": N_("Yes / no"),
    },
    "job_kind": {
        "tenant_snapshot": N_("Statistics snapshot"),
        "certificate_sweep": N_("Certificate expiry check"),
        "certificate_issue": N_("Certificates after the public notice"),
        "funding_calculation": N_("Funding calculation"),
        "overview_refresh": N_("Dashboard refresh"),
        "overview_monthly_report": N_("Monthly report"),
    },
    "allocation": {
        "pro_rata": N_("Pro rata (fen-exact)"),
        "ranked": N_("Ranked by score"),
        "first_come": N_("First come, first served"),
    },
    "rule": {
        "certified": N_("Holds a valid certification"),
        "not_on_negative_list": N_("Not on the credit negative list"),
        "registered": N_("Registered in this pilot zone"),
        "input": N_("Declared values meet a condition"),
    },
    "round_status": {
        "open": N_("Open"),
        "closed": N_("Closed"),
        "calculating": N_("Calculating"),
        "calculated": N_("Calculated"),
        "approved": N_("Approved"),
    },
    "ledger_status": {
        "notice": N_("under public notice"),
        "objected": N_("objection open, payment paused"),
        "awarded": N_("awarded"),
        "revoked": N_("revoked after an objection"),
    },
    "job_status": {
        "queued": N_("queued"),
        "running": N_("running"),
        "done": N_("done"),
        "failed": N_("failed"),
    },
}


def label(group: str | Coded, code: str = "") -> str:
    """The label of a :class:`~pilotzone.codes.Coded` member in the page's language, or (older
    codes, until they are enums) the translated label of ``code`` in ``group``; an unknown code is
    shown as it is."""
    if isinstance(group, Coded):
        return group.label(get_locale())
    return _label(get_locale(), group, code)


@cache
def _label(locale: str, group: str, code: str) -> str:  # codes and locales are finite sets
    message = LABELS.get(group, {}).get(code)
    return gettext(message) if message else code
