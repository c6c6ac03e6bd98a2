"""The registry's posted forms with fixed fields, typed (see ``workflow.forms``): every field is text
defaulting to ``""``, so a missing field decodes and the page re-renders with its field error; a field
posted twice is Litestar's 400. The checks stay in the services. A form is shown again with
:func:`entered` (the templates read the entered values by name)."""

from __future__ import annotations

import msgspec


def entered(form: msgspec.Struct) -> dict[str, object]:
    """The values a form was posted with, by field name, to show the form again."""
    return msgspec.structs.asdict(form)


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


class TalentForm(msgspec.Struct):
    """A talent (``talents.create_talent``); the employer is chosen by a bureau administrator only."""

    name: str = ""
    id_number: str = ""
    category: str = ""
    employer_id: str = ""


class WarehouseForm(msgspec.Struct):
    """An overseas warehouse (``warehouses.create_warehouse``); the owner is chosen by a bureau
    administrator only. ``services`` are checkboxes: one ticked decodes as text, several as a list."""

    enterprise_id: str = ""
    country: str = ""
    city: str = ""
    address: str = ""
    floor_area: str = ""
    services: list[str] | str = []
    wms_integrated: str = ""

    def chosen(self) -> list[str]:
        """The ticked services, as a list."""
        return [self.services] if isinstance(self.services, str) else list(self.services)
