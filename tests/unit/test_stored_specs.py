"""Stored specs are read back as the kinds' Structs, decoded once per version, with the Structs'
defaults (never a second copy of them) and the engine's field checks reading them by attribute."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from pilotzone.certification import schemes
from pilotzone.funding import builder_form, program_spec, programs
from pilotzone.workflow import fields, info_requests

TENANTS = Path(__file__).resolve().parents[2] / "tenants"


def _scheme() -> schemes.SchemeSpec:
    return schemes.parse(TENANTS / "guangzhou" / "schemes.toml", "GZ")[0]


def test_a_stored_scheme_is_decoded_once_per_version_into_its_struct() -> None:
    stored = json.dumps(schemes.to_json(_scheme()))
    first = schemes.from_stored(stored)
    assert isinstance(first, schemes.SchemeSpec) and first == _scheme()
    assert schemes.from_stored(stored) is first  # the same version: not decoded again
    assert schemes.from_stored(json.loads(stored)) == first  # a dict (load_json=True) reads the same
    changed = {**json.loads(stored), "pass_mark": 75}
    assert schemes.from_stored(changed).pass_mark == 75  # another version: its own struct


def test_a_field_left_out_of_a_stored_spec_takes_the_structs_default() -> None:
    data = schemes.to_json(_scheme())
    for name in ("pass_mark", "notice_days", "validity_months", "renewal_reminder_days"):
        data.pop(name)
    spec = schemes.from_stored(data)
    assert (spec.pass_mark, spec.notice_days, spec.validity_months, spec.renewal_reminder_days) == (
        60,
        7,
        36,
        60,
    )


def test_a_bare_program_version_reads_as_a_blank_program() -> None:
    blank = program_spec.from_stored("{}")
    assert (
        blank.inputs == [] and blank.documents == [] and blank.stages == ["bureau_reviewer", "bureau_admin"]
    )
    assert blank.notice_days == 7 and program_spec.from_stored(None) is program_spec.from_stored({})


def test_the_engine_checks_and_shows_declared_fields_by_attribute() -> None:
    all_schemes = schemes.parse(TENANTS / "guangzhou" / "schemes.toml", "GZ")
    spec = next(s for s in all_schemes if any(f.type == "choice" for f in s.fields))
    choice = next(f for f in spec.fields if f.type == "choice")
    assert fields.check_field(choice, "no-such-option") is not None
    assert fields.check_field(choice, choice.options[0]) is None
    assert info_requests.shown(choice, choice.options[0]) in (
        choice.option_labels_zh[0],
        choice.option_labels_en[0],
    )
    amount = program_spec.InputSpec(
        key="area", type="decimal", label_zh="面积", label_en="Area", min=Decimal(1)
    )
    assert fields.check_field(amount, "0.5") is not None and fields.check_field(amount, "2") is None
    errors = fields.validate(spec.fields, spec.documents, {}, set())
    assert {f.key for f in spec.fields if f.required} <= set(errors)


def test_the_builder_round_trips_a_stored_program() -> None:
    keys = {s.key for s in schemes.parse(TENANTS / "guangzhou" / "schemes.toml", "GZ")}
    for spec in programs.parse(TENANTS / "guangzhou" / "programs.toml", keys):
        stored = program_spec.from_stored(json.dumps(programs.to_json(spec)))
        again, _compiled = builder_form.spec_of(builder_form.form_of(stored), keys)
        assert programs.to_json(again) == programs.to_json(spec)
