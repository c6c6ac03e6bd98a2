"""The declared values of a submission: each field of the definition (scheme fields, program inputs)
checked by its type, and the documents it requires."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from pilotzone.web.i18n import gettext as _


def _number(raw: str, integer: bool) -> Decimal | None:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or (integer and value != value.to_integral_value()):
        return None
    return value


def check_field(field: dict, raw: str) -> str | None:
    """The error message for one value, or None."""
    if raw == "":
        return _("This field is required.") if field.get("required", True) else None
    kind = field["type"]
    if kind in ("integer", "decimal", "amount"):  # an amount: a number in the spec's unit
        value = _number(raw, kind == "integer")
        if value is None:
            return _("Enter a whole number.") if kind == "integer" else _("Enter a number.")
        if field.get("min") is not None and value < Decimal(str(field["min"])):
            return _("Enter at least %(min)s.", min=field["min"])
        if field.get("max") is not None and value > Decimal(str(field["max"])):
            return _("Enter at most %(max)s.", max=field["max"])
    elif kind == "text":
        if field.get("max_length") and len(raw) > field["max_length"]:
            return _("Use at most %(n)s characters.", n=field["max_length"])
    elif kind == "date":
        try:
            date.fromisoformat(raw)
        except ValueError:
            return _("Enter a date as YYYY-MM-DD.")
    elif kind == "choice":
        if raw not in field.get("options", []):
            return _("Choose one of the options.")
    elif kind == "boolean" and raw not in ("yes", "no"):
        return _("Answer yes or no.")
    return None


def validate(
    fields: list[dict], documents: list[dict], values: dict[str, str], present_documents: set[str]
) -> dict[str, str]:
    """Every error of ``values`` (by field key) and of the documents (``doc:<key>``)."""
    errors = {}
    for field in fields:
        message = check_field(field, values.get(field["key"], ""))
        if message:
            errors[field["key"]] = message
    for document in documents:
        if document.get("required", True) and document["key"] not in present_documents:
            errors[f"doc:{document['key']}"] = _("Upload this document.")
    return errors
