"""Posted forms of the engine's pages, typed.

A form whose fields are fixed is a msgspec Struct taken by the handler as
``data: Annotated[TheForm, URL_ENCODED]``: every field is text defaulting to ``""``, so a missing or
empty field (browsers send empty ones, Litestar's parser drops them) decodes and the page re-renders
with its field errors, as before; the checks stay in the services. A form whose field names come from a
definition (a scheme's fields, scores per criterion, reopen checkboxes, answers) is read once through
:func:`posted`, one read-only mapping from name to text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request

Posted = Mapping[str, str]


async def posted(request: Request) -> dict[str, str]:
    """A form with field names from a definition: every posted field but the CSRF token, as text."""
    data = await request.form()
    return {k: str(data.get(k, "")) for k in data if k != "csrf_token"}


@dataclass(frozen=True)
class Shown:
    """What a submission's page shows again of a form just posted (re-rendered with its errors): the
    values as posted, field errors, the page's one error and the answer form as posted."""

    values: dict[str, str] | None = None
    errors: dict[str, str] | None = None
    error: str | None = None
    answer_form: Posted | None = None

    def context(self, stored: dict[str, str]) -> dict[str, Any]:
        """The page's form keys; ``stored``: the values when none were posted."""
        return {
            "values": self.values if self.values is not None else stored,
            "errors": self.errors or {},
            "error": self.error,
            "answer_form": self.answer_form or {},
        }


NOTHING_POSTED = Shown()  # a page as stored


class ObjectionForm(msgspec.Struct):
    """An objection to a public notice (checked by ``objections.check_objection``)."""

    name: str = ""
    contact: str = ""
    reason: str = ""


class ResolveForm(msgspec.Struct):
    """The bureau administrator's settlement of an objection: ``uphold`` or ``dismiss``, and a note."""

    decision: str = ""
    note: str = ""


class ReviewForm(msgspec.Struct):
    """The fixed part of a review step's form: the decision, the comment and (funding) an overall
    score from 0 to 100. The part named by the definition (scores per criterion, verified values and
    their reasons, the reopen checkboxes) is read through :func:`posted`."""

    decision: str = ""
    comment: str = ""
    score: str = ""
