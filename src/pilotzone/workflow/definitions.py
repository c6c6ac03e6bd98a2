"""What every definition of a kind (a certification scheme, a funding program) shares: keys and
labels, the documents it requires, the subjects a submission can be for, the roles that review and
the document types an upload may have. The kinds' own specs (``certification.schemes``,
``funding.program_spec``) are msgspec structs built from these."""

from __future__ import annotations

from typing import Annotated

import msgspec

SUBJECTS = ("park", "enterprise", "overseas_warehouse", "talent")
REVIEWERS = ("district_reviewer", "bureau_reviewer", "bureau_admin")  # the roles a stage may name
DOCUMENT_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "application/ofd",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)

Key = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_-]{1,39}$")]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """A spec struct: unknown fields are refused."""


class DocumentSpec(Strict):
    key: Key
    label_zh: Label
    label_en: Label
    types: Annotated[list[str], msgspec.Meta(min_length=1)]
    required: bool = True
