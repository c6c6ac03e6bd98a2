"""The subject and body of each event in a language: the built-in texts are English message ids with
``{param}`` placeholders, translated through the Babel catalog; a tenant may override them
(``[notify.texts.<event>]`` in its TOML, stored in ``notify_text``). Missing params render empty."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from pilotzone.notify.events import Event
from pilotzone.web.i18n import translations
from pilotzone.web.labels import N_

# (subject, body) message ids per event; params the emitters pass: reference (申请编号), title (the
# object: scheme, program, certificate), note (a reviewer's words), due (a date), amount, number,
# days, link (the full address, added by emit)
TEXTS: dict[Event, tuple[str, str]] = {
    Event.INFO_REQUESTED: (
        N_("Information requested for {reference}"),
        N_(
            "The reviewer asks for more information on application {reference} ({title}): {note}. Please answer by {due}. {link}"
        ),
    ),
    Event.INFO_ANSWERED: (
        N_("Information provided for {reference}"),
        N_("The applicant has answered the information request on application {reference} ({title}). {link}"),
    ),
    Event.INFO_DUE: (
        N_("Information due soon for {reference}"),
        N_("The information requested on application {reference} ({title}) is due by {due}. {link}"),
    ),
    Event.APPLICATION_RETURNED: (
        N_("Application {reference} returned"),
        N_("Application {reference} ({title}) was returned to you for changes: {note}. {link}"),
    ),
    Event.APPLICATION_APPROVED: (
        N_("Application {reference} approved"),
        N_("Application {reference} ({title}) was approved. {link}"),
    ),
    Event.APPLICATION_REJECTED: (
        N_("Application {reference} rejected"),
        N_("Application {reference} ({title}) was not approved: {note}. {link}"),
    ),
    Event.CERTIFICATE_ISSUED: (
        N_("Certificate {number} issued"),
        N_("Certificate {number} ({title}) has been issued for application {reference}. {link}"),
    ),
    Event.CERTIFICATE_EXPIRING: (
        N_("Certificate {number} expires in {days} days"),
        N_("Certificate {number} ({title}) expires on {due}. Apply for renewal in time. {link}"),
    ),
    Event.CERTIFICATE_REVOKED: (
        N_("Certificate {number} revoked"),
        N_("Certificate {number} ({title}) has been revoked: {note}. {link}"),
    ),
    Event.NOTICE_STARTED: (
        N_("Public notice started for {reference}"),
        N_("Application {reference} ({title}) is on public notice until {due}. {link}"),
    ),
    Event.OBJECTION_FILED: (
        N_("Objection filed on {reference}"),
        N_("An objection was filed during the public notice of {reference} ({title}). {link}"),
    ),
    Event.OBJECTION_RESOLVED: (
        N_("Objection on {reference} resolved"),
        N_("The objection on {reference} ({title}) has been resolved: {note}. {link}"),
    ),
    Event.AWARD_PUBLISHED: (
        N_("Award published: {title}"),
        N_("The award of {title} has been published: {amount} yuan for application {reference}. {link}"),
    ),
    Event.PAYMENT_RECORDED: (
        N_("Payment recorded: {amount} yuan"),
        N_("A payment of {amount} yuan for {title} (application {reference}) has been recorded. {link}"),
    ),
    Event.INVITATION: (
        N_("Invitation to PilotZone"),
        N_(
            "You are invited to PilotZone ({title}). Open this link within 7 days to set your password: {link}"
        ),
    ),
    Event.PASSWORD_RESET: (
        N_("Set a new PilotZone password"),
        N_("Open this link to set a new password (valid for a limited time): {link}"),
    ),
    Event.DEADLINE_APPROACHING: (
        N_("Deadline approaching: {title}"),
        N_("{title} closes on {due}. {link}"),
    ),
    Event.RETURN_DUE: (
        N_("Monthly return due: {title}"),
        N_("The monthly statistical return {title} is due by {due}. Please file it in time. {link}"),
    ),
    Event.RETURN_CHASED: (
        N_("Please file your monthly return: {title}"),
        N_("The bureau asks you to file the monthly statistical return {title} (due by {due}) without delay. {link}"),
    ),
    Event.RETURN_RETURNED: (
        N_("Monthly return {reference} returned"),
        N_("Your monthly statistical return {reference} ({title}) was returned for correction: {note}. {link}"),
    ),
    Event.RETURN_ACCEPTED: (
        N_("Monthly return {reference} accepted"),
        N_("Your monthly statistical return {reference} ({title}) was accepted. {link}"),
    ),
}


class TextOverride(msgspec.Struct, forbid_unknown_fields=True):
    """``[notify.texts.<event>]`` in a tenant's TOML (empty: keep the built-in text)."""

    subject_zh: str = ""
    body_zh: str = ""
    subject_en: str = ""
    body_en: str = ""


class NotifySpec(msgspec.Struct, forbid_unknown_fields=True):
    """``[notify]`` in a tenant's TOML."""

    texts: dict[Event, TextOverride] = {}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


_FORMATTER = string.Formatter()


def fill(template: str, params: Mapping[str, Any]) -> str:
    """``template`` with ``{name}`` replaced from ``params`` (missing names: empty; stray braces kept)."""
    values = _Blank({k: "" if v is None else v for k, v in params.items()})
    try:
        return _FORMATTER.vformat(template, (), values)
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def render(
    event: Event, locale: str, params: Mapping[str, Any], override: TextOverride | None = None
) -> Rendered:
    """The subject and body of ``event`` in ``locale`` (``zh…`` → Chinese, else English)."""
    subject_id, body_id = TEXTS[event]
    zh = locale.lower().startswith("zh")
    catalog = translations("zh_CN" if zh else "en")
    subject, body = catalog.ugettext(subject_id), catalog.ugettext(body_id)
    if override is not None:
        subject = (override.subject_zh if zh else override.subject_en) or subject
        body = (override.body_zh if zh else override.body_en) or body
    return Rendered(" ".join(fill(subject, params).split())[:300], fill(body, params).strip())
