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
    # the audit trail: an action is ``object.verb``; one missing from "audit_action" is shown as the
    # object's label and the verb's (``warehouse.accepted`` → 海外仓 · 已受理), see :func:`audit_action`
    "audit_action": {
        "login": N_("Signed in"),
        "login.failed": N_("Sign-in failed"),
        "login.throttled": N_("Sign-in throttled"),
        "login.oidc": N_("Signed in with an identity provider"),
        "login.oidc_failed": N_("Sign-in with an identity provider failed"),
        "logout": N_("Signed out"),
        "session.context": N_("Switched role"),
        "invitation.issued": N_("Invitation sent"),
        "user.created": N_("Account created"),
        "user.provisioned": N_("Account created from an identity provider"),
        "identity.linked": N_("Identity provider account linked"),
        "membership.added": N_("Role granted"),
        "membership.activated": N_("Role activated"),
        "membership.deactivated": N_("Role withdrawn"),
        "province_role.granted": N_("Provincial role granted"),
        "province_role.revoked": N_("Provincial role withdrawn"),
        "password.reset_issued": N_("Password reset link sent"),
        "password.reset": N_("Password reset"),
        "document.uploaded": N_("Document uploaded"),
        "job.started": N_("Job started"),
        "job.resent": N_("Job sent again"),
        "overview.refresh_requested": N_("Dashboard refresh requested"),
        "overview.report_requested": N_("Monthly report requested"),
        "round.closed": N_("Round closed"),
        "calculation.started": N_("Calculation started"),
        "calculation.approved": N_("Calculation results approved"),
        "payment.recorded": N_("Payment recorded"),
        "review.info_requested": N_("More information requested"),
        "review.conflict": N_("Review refused: decided by someone else first"),
        "negative_list.added": N_("Put on the negative list"),
        "negative_list.ended": N_("Taken off the negative list"),
        "trade_gap.explained": N_("Gap between declared and official figures explained"),
    },
    "object_type": {
        "user": N_("User"),
        "session": N_("Session"),
        "invitation": N_("Invitation"),
        "membership": N_("Membership"),
        "document": N_("Document"),
        "job_run": N_("Job run"),
        "round": N_("Funding round"),
        "calculation": N_("Calculation"),
        "ledger_entry": N_("Award"),
        "program": N_("Funding program"),
        "scheme": N_("Certification scheme"),
        "application": N_("Certification application"),
        "funding_application": N_("Funding application"),
        "trade_return": N_("Monthly statistical return"),
        "review": N_("Review"),
        "funding_review": N_("Funding review"),
        "certificate": N_("Certificate"),
        "objection": N_("Objection"),
        "award_objection": N_("Objection to an award"),
        "negative_list": N_("Negative list"),
        "negative_list_entry": N_("Negative list entry"),
        "park": N_("Park"),
        "enterprise": N_("Enterprise"),
        "overseas_warehouse": N_("Overseas warehouse"),
        "warehouse": N_("Overseas warehouse"),
        "talent": N_("Talent"),
        "oidc_provider": N_("Identity provider"),
        "password": N_("Password"),
        "province_role": N_("Provincial role"),
        "identity": N_("Identity provider account"),
        "overview": N_("Dashboard"),
        "login": N_("Sign-in"),
        "job": N_("Job"),
        "trade_gap": N_("Gap between declared and official figures"),
    },
    "audit_verb": {
        "created": N_("created"),
        "saved": N_("saved"),
        "submitted": N_("submitted"),
        "withdrawn": N_("withdrawn"),
        "answered": N_("information supplied"),
        "approved": N_("approved"),
        "approve": N_("approved"),
        "rejected": N_("rejected"),
        "reject": N_("rejected"),
        "return": N_("returned for correction"),
        "returned": N_("returned for correction"),
        "registered": N_("registered"),
        "chased": N_("chased"),
        "accepted": N_("accepted"),
        "issued": N_("issued"),
        "expired": N_("expired"),
        "reminded": N_("renewal reminder sent"),
        "renewed": N_("renewed"),
        "revoked": N_("revoked"),
        "raised": N_("raised"),
        "upheld": N_("upheld"),
        "dismissed": N_("dismissed"),
        "versioned": N_("new version saved"),
        "started": N_("started"),
        "closed": N_("closed"),
        "opened": N_("opened"),
        "recorded": N_("recorded"),
        "resolved": N_("resolved"),
        "added": N_("added"),
        "ended": N_("ended"),
        "updated": N_("updated"),
        "verify": N_("verified values saved"),
        "verified": N_("verified"),
        "uploaded": N_("uploaded"),
        "conflict": N_("conflict of interest declared"),
        "answer": N_("information supplied"),
        "request_info": N_("more information requested"),
        "info_requested": N_("more information requested"),
    },
    "certificate_status": {
        "valid": N_("Valid"),
        "expired": N_("Expired"),
        "revoked": N_("Revoked"),
        "renewed": N_("Renewed"),
    },
    "registry_status": {
        "active": N_("Active"),
        "pending": N_("Pending acceptance"),
        "rejected": N_("Rejected"),
        "retired": N_("Retired"),
    },
    "payment_status": {"paid": N_("Paid")},
    "calculation_status": {
        "running": N_("running"),
        "calculated": N_("calculated, awaiting approval"),
        "approved": N_("approved"),
        "failed": N_("failed"),
        "superseded": N_("superseded by a later calculation"),
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


def audit_action(code: str) -> str:
    """An audit action's label: its own (``login`` → 登录), else ``object · verb`` from the two groups
    (``warehouse.accepted`` → 海外仓 · 已受理), else the code as it is."""
    text = label("audit_action", code)
    if text != code or "." not in code:
        return text
    obj, _, verb = code.rpartition(".")
    obj_text, verb_text = label("object_type", obj), label("audit_verb", verb)
    if obj_text == obj and verb_text == verb:
        return code
    return f"{obj_text} · {verb_text}"
