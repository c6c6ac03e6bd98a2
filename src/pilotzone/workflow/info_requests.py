"""Information requests that reopen named fields and documents, shared by the certification and the
funding engine (neither imports the other for it; the one workflow engine will own this).

A reviewer's request names what it reopens: fields and documents of the application's spec (form
checkboxes ``reopen:field:<key>`` and ``reopen:document:<key>``). While the application waits for the
answer, the applicant may change exactly those fields (answer form fields ``answer:<key>``) and upload
new documents or new versions under exactly those document keys; the answer records what changed: the
old and new value of each changed field and the document versions uploaded since the request. Both
engines store the request's ``reopens`` and the ``answer`` as JSON on their request row.

A request is due by a date (``due_on``, the form's date input; empty: :data:`DUE_DAYS` days from today,
never in the past; the tenant's date), shown to both sides with the days left or overdue
(``web.deadlines.answer_by``); ``workflow.due`` reminds the applicant 2 days before and once overdue.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from pilotzone.web.deadlines import answer_by, tenant_today
from pilotzone.web.i18n import get_locale, pick
from pilotzone.web.i18n import gettext as _
from pilotzone.workflow.definitions import DocumentSpec, FieldDef, options_of
from pilotzone.workflow.states import Action

DUE_DAYS = 10  # an information request's default time to answer, in days


class Reopens(msgspec.Struct, forbid_unknown_fields=True):
    """What a request reopens: field keys and document keys of the spec."""

    fields: list[str] = []
    documents: list[str] = []


class FieldChange(msgspec.Struct):
    key: str
    old: str
    new: str


class NewVersion(msgspec.Struct):
    key: str
    id: int
    name: str


class Answer(msgspec.Struct):
    """The applicant's answer: the note, the changed fields, the document versions uploaded."""

    note: str = ""
    fields: list[FieldChange] = []
    documents: list[NewVersion] = []


class AnswerInvalid(Exception):
    """A refused answer: ``errors`` maps form fields to messages; nothing was changed."""

    def __init__(self, errors: dict[str, str], status: int = 400) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors, self.status = errors, status


def _loaded(value: Any) -> dict:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def reopens_of(value: Any) -> Reopens:
    """The stored reopens (JSON text or dict; empty for requests made before requests reopened anything)."""
    return msgspec.convert(_loaded(value), Reopens)


def answer_of(value: Any) -> Answer | None:
    loaded = _loaded(value)
    return msgspec.convert(loaded, Answer) if loaded else None


def to_json(value: Reopens | Answer) -> dict:
    return msgspec.to_builtins(value)


def requested(
    fields: Sequence[FieldDef], documents: Sequence[DocumentSpec], form: Mapping[str, str]
) -> Reopens:
    """The fields and documents a request form reopens (only keys of the spec count)."""
    return Reopens(
        fields=[f.key for f in fields if form.get(f"reopen:field:{f.key}")],
        documents=[d.key for d in documents if form.get(f"reopen:document:{d.key}")],
    )


def default_due(today: date | None = None) -> date:
    """The due date a request form proposes: :data:`DUE_DAYS` days from today (tenant date)."""
    return (today or tenant_today()) + timedelta(days=DUE_DAYS)


def requested_due(
    action: Action, form: Mapping[str, str], today: date | None = None
) -> tuple[date | None, dict[str, str]]:
    """(the due date of an information request's form, errors by form field); None for other actions.
    ``due_on`` empty or not posted: the default; a date before today is refused."""
    if action is not Action.REQUEST_INFO:
        return None, {}
    today = today or tenant_today()
    raw = str(form.get("due_on", "") or "").strip()
    if not raw:
        return default_due(today), {}
    try:
        due = date.fromisoformat(raw)
    except ValueError:
        return None, {"due_on": _("Enter the due date as a date (YYYY-MM-DD).")}
    if due < today:
        return None, {"due_on": _("The due date cannot be in the past.")}
    return due, {}


def answered_values(
    fields: Sequence[FieldDef],
    reopens: Reopens,
    values: Mapping[str, str],
    form: Mapping[str, str],
    check: Callable[[FieldDef, str], str | None],
) -> tuple[dict[str, str], list[FieldChange], dict[str, str]]:
    """(``values`` with the reopened fields as answered, the changes, errors by form field).

    Only reopened fields are read (``answer:<key>``; one not posted keeps its value); each is checked
    with ``check`` (the engine's field check). Every other field keeps its value whatever was posted."""
    out = {k: str(v) for k, v in values.items()}
    changes: list[FieldChange] = []
    errors: dict[str, str] = {}
    for field in fields:
        key, name = field.key, f"answer:{field.key}"
        if key not in reopens.fields or name not in form:
            continue
        raw = form[name].strip()
        message = check(field, raw)
        if message:
            errors[name] = message
        elif raw != out.get(key, ""):
            changes.append(FieldChange(key, out.get(key, ""), raw))
            out[key] = raw
    return out, changes, errors


def new_versions(reopens: Reopens, documents: Mapping[str, list[dict]], since: datetime) -> list[NewVersion]:
    """The versions uploaded under reopened keys after ``since`` (``documents``: keyed.documents_by_key)."""
    return [
        NewVersion(key, v["id"], v["name"])
        for key in reopens.documents
        for v in documents.get(key, [])
        if v["uploaded_at"] > since
    ]


def may_upload(status: str, reopens: Reopens | None) -> tuple[bool, list[str]]:
    """(a draft: every key; the keys an open request reopened) for the upload of a keyed document."""
    if status == "draft":
        return True, []
    if status == "info_requested" and reopens is not None:
        return False, list(reopens.documents)
    return False, []


def shown(field: FieldDef | None, raw: str) -> str:
    """A stored value as the page shows it: yes/no and options by their labels, empty as a dash."""
    if raw == "":
        return "—"
    if field is None:
        return raw
    if field.type == "boolean":
        return _("Yes") if raw == "yes" else _("No") if raw == "no" else raw
    options = list(options_of(field))
    if field.type == "choice" and raw in options:
        i = options.index(raw)
        zh, en = getattr(field, "option_labels_zh", []), getattr(field, "option_labels_en", [])
        if i < len(zh) and i < len(en):
            return pick(zh[i], en[i])
    return raw


def described(row: Mapping[str, Any], fields: Sequence[FieldDef], documents: Sequence[DocumentSpec]) -> dict:
    """A request row (``comment``, ``created_at``, ``reopens``, ``answer``, ``answered_at``) for a page:
    the reopened fields and documents as spec entries, the answer's changes with labels."""
    by_field = {f.key: f for f in fields}
    by_document = {d.key: d for d in documents}
    reopens = reopens_of(row.get("reopens"))
    answer = answer_of(row.get("answer"))

    def label(item: FieldDef | DocumentSpec | None, key: str) -> str:
        return pick(item.label_zh, item.label_en) if item else key

    reopened_fields = [by_field[k] for k in reopens.fields if k in by_field]
    reopened_documents = [by_document[k] for k in reopens.documents if k in by_document]
    names = [label(f, f.key) for f in reopened_fields] + [label(d, d.key) for d in reopened_documents]
    return {
        "id": row.get("id"),
        "comment": row.get("comment", ""),
        "created_at": row.get("created_at"),
        "stage_role": row.get("stage_role", ""),
        "reviewer_email": row.get("reviewer_email", ""),
        "fields": reopened_fields,
        "documents": reopened_documents,
        "reopened": ("、" if get_locale().startswith("zh") else ", ").join(names),
        "answered_at": row.get("answered_at"),
        "due_on": row.get("due_on"),
        # the time left (or overdue) while unanswered
        "due": answer_by(row["due_on"]) if row.get("due_on") and not row.get("answered_at") else None,
        "answer": None
        if answer is None
        else {
            "note": answer.note,
            "fields": [
                {
                    "label": label(by_field.get(c.key), c.key),
                    "old": shown(by_field.get(c.key), c.old),
                    "new": shown(by_field.get(c.key), c.new),
                }
                for c in answer.fields
            ],
            "documents": [
                {"label": label(by_document.get(d.key), d.key), "id": d.id, "name": d.name}
                for d in answer.documents
            ],
        },
    }
