"""The registry's posted forms with fixed fields, typed (see ``workflow.forms``): every field is text
defaulting to ``""``, so a missing field decodes and the page re-renders with its field error; a field
posted twice is Litestar's 400. The checks stay in the services. A form is shown again with
:func:`entered` (the templates read the entered values by name)."""

from __future__ import annotations

import msgspec


def entered(form: msgspec.Struct) -> dict[str, str]:
    """The values a form was posted with, by field name, to show the form again."""
    return {k: str(v) for k, v in msgspec.structs.asdict(form).items()}


class ContactForm(msgspec.Struct):
    """The contact person of a registered park or enterprise (``registration.contact_fields``)."""

    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


class ParkForm(ContactForm):
    """A park: the public registration form and the bureau's ``parks/new`` (``registration.park_fields``)."""

    name_zh: str = ""
    kind: str = ""
    district_code: str = ""
    operator: str = ""
    address: str = ""
    area: str = ""


class EnterpriseForm(ContactForm):
    """An enterprise: name, credit code, optional park, district (``services.enterprise_fields``); the
    public registration adds the business scope and the contact person."""

    name: str = ""
    uscc: str = ""
    park_id: str = ""
    district_code: str = ""
    business_scope: str = ""


class RejectForm(msgspec.Struct):
    """The bureau's rejection of a pending registration: the reason."""

    reason: str = ""


class NegativeEntryForm(msgspec.Struct):
    """An entry of the credit negative list (``negative_list.add_entry``): dates as YYYY-MM-DD."""

    uscc: str = ""
    reason: str = ""
    source: str = ""
    valid_from: str = ""
    valid_until: str = ""


class EndEntryForm(msgspec.Struct):
    """Ending a negative-list entry: why."""

    end_reason: str = ""
