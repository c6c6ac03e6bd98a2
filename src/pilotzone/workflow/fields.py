"""The declared values of a submission: each field of the definition (scheme fields, program inputs)
checked by its type, and the documents it requires."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from pilotzone.web.i18n import gettext as _
from pilotzone.workflow.definitions import DocumentSpec, FieldDef, max_length_of, options_of


def _number(raw: str, integer: bool) -> Decimal | None:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or (integer and value != value.to_integral_value()):
        return None
    return value


def check_field(field: FieldDef, raw: str) -> str | None:
    """The error message for one value, or None."""
    if raw == "":
        return _("This field is required.") if field.required else None
    kind = field.type
    if kind in ("integer", "decimal", "amount"):  # an amount: a number in the spec's unit
        value = _number(raw, kind == "integer")
        if value is None:
            return _("Enter a whole number.") if kind == "integer" else _("Enter a number.")
        if field.min is not None and value < field.min:
            return _("Enter at least %(min)s.", min=field.min)
        if field.max is not None and value > field.max:
            return _("Enter at most %(max)s.", max=field.max)
    elif kind == "text":
        limit = max_length_of(field)
        if limit and len(raw) > limit:
            return _("Use at most %(n)s characters.", n=limit)
    elif kind == "date":
        try:
            date.fromisoformat(raw)
        except ValueError:
            return _("Enter a date as YYYY-MM-DD.")
    elif kind == "choice":
        if raw not in options_of(field):
            return _("Choose one of the options.")
    elif kind == "boolean" and raw not in ("yes", "no"):
        return _("Answer yes or no.")
    return None


def validate(
    fields: Sequence[FieldDef],
    documents: Sequence[DocumentSpec],
    values: dict[str, str],
    present_documents: set[str],
) -> dict[str, str]:
    """Every error of ``values`` (by field key) and of the documents (``doc:<key>``)."""
    errors = {}
    for field in fields:
        message = check_field(field, values.get(field.key, ""))
        if message:
            errors[field.key] = message
    for document in documents:
        if document.required and document.key not in present_documents:
            errors[f"doc:{document.key}"] = _("Upload this document.")
    return errors
