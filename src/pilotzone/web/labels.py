"""Display labels of stored codes: :class:`~pilotzone.codes.Coded` members carry their own; the groups
below (English msgids, translated through the catalog) are codes not yet converted to enums."""

from __future__ import annotations

from functools import cache

from pilotzone.codes import Coded
from pilotzone.web.i18n import get_locale, gettext


def N_(message: str) -> str:  # noqa: N802 - the conventional marker for message extraction
    return message


LABELS: dict[str, dict[str, str]] = {
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
    "calculation_status": {
        "running": N_("Running"),
        "calculated": N_("Calculated"),
        "approved": N_("Approved"),
        "superseded": N_("Superseded"),
        "failed": N_("Failed"),
    },
    "ledger_status": {
        "notice": N_("under public notice"),
        "objected": N_("objection open, payment paused"),
        "awarded": N_("awarded"),
        "revoked": N_("revoked after an objection"),
    },
}


def label(group: str | Coded | type[Coded], code: str = "") -> str:
    """A code's label in the page's language: ``label(member)``; ``label(Role, value)`` for a value
    read from the database as text (templates get the enums as globals); ``label(group_name, code)`` for
    the groups of :data:`LABELS`. An unknown code is shown as it is."""
    if isinstance(group, Coded):
        return group.label(get_locale())
    if isinstance(group, type):
        locale = get_locale()
        key = (group, code, locale)
        found = _member_labels.get(key) if code.__class__ is str else None
        if found is not None:
            return found
        try:
            text = group(code).label(locale)
        except ValueError:
            text = code
        if code.__class__ is str and len(_member_labels) < MAX_MEMBER_LABELS:
            _member_labels[key] = text
        return text
    return _label(get_locale(), group, code)


# label(Enum, value) per (enum, value, language): members and their labels never change at run time;
# a list page asks for the same few many times (bounded: unknown values are kept too)
MAX_MEMBER_LABELS = 10_000
_member_labels: dict[tuple[type, str, str], str] = {}


@cache
def _label(locale: str, group: str, code: str) -> str:  # codes and locales are finite sets
    message = LABELS.get(group, {}).get(code)
    return gettext(message) if message else code
