"""What every definition of a kind (a certification scheme, a funding program) shares: keys and
labels, the documents it requires, the subjects a submission can be for, the roles that review and
the document types an upload may have. The kinds' own specs (``certification.schemes``,
``funding.program_spec``) are msgspec structs built from these."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Annotated, Any, Protocol, TypeVar

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


class FieldDef(Protocol):
    """A declared value of a definition, as the engine reads it (a scheme's ``FieldSpec``, a program's
    ``InputSpec``): choice options and text lengths only where the kind has them."""

    @property
    def key(self) -> str: ...
    @property
    def label_zh(self) -> str: ...
    @property
    def label_en(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def required(self) -> bool: ...
    @property
    def min(self) -> Decimal | None: ...
    @property
    def max(self) -> Decimal | None: ...


def options_of(field: FieldDef) -> Sequence[str]:
    """A choice field's option keys (a program's inputs have none)."""
    return getattr(field, "options", ())


def max_length_of(field: FieldDef) -> int | None:
    return getattr(field, "max_length", None)


S = TypeVar("S", bound=msgspec.Struct)


def stored_decoder(kind: type[S], blank: dict[str, Any] | None = None, size: int = 512) -> Callable[[Any], S]:
    """A function from a stored spec (the JSONB text of a version, or its dict) to ``kind``, decoding
    each distinct version once per process (keyed by its text: a version never changes). ``blank``:
    the values a version stored without them reads as (a bare test program's ``{}``)."""
    cache: dict[str, S] = {}

    def decode(stored: Any) -> S:
        text = stored if isinstance(stored, str) else json.dumps(stored or {}, sort_keys=True)
        found = cache.get(text)
        if found is None:
            loaded = json.loads(text) or {}
            if len(cache) >= size:
                cache.clear()
            found = cache[text] = msgspec.convert({**(blank or {}), **loaded}, kind, strict=False)
        return found

    return decode
