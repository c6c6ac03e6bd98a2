"""The typed forms with repeated fields (checkboxes): one ticked value decodes as text, several as a
list, none as the default; a scalar field posted twice is Litestar's 400, never a 500."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pytest
from litestar import Litestar, post
from litestar.testing import TestClient

from pilotzone.certification.review_controllers import BulkForm
from pilotzone.registry.forms import WarehouseForm, entered
from pilotzone.web.forms import URL_ENCODED

FORM = {"content-type": "application/x-www-form-urlencoded"}


@post("/bulk", status_code=200)
async def _bulk(data: Annotated[BulkForm, URL_ENCODED]) -> dict:
    return {"ids": data.application_ids(), "decision": data.decision, "comment": data.comment}


@post("/warehouse", status_code=200)
async def _warehouse(data: Annotated[WarehouseForm, URL_ENCODED]) -> dict:
    return {"services": data.chosen(), "entered": entered(data)}


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    with TestClient(Litestar([_bulk, _warehouse])) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("body", "ids"),
    [
        ("ids=7&ids=9&decision=reject&comment=x", [7, 9]),
        ("ids=7&decision=reject&comment=x", [7]),  # one box ticked: text, not a list
        ("decision=reject&comment=x", []),
        ("ids=7&ids=abc&ids=&decision=reject&comment=x", [7]),  # not numbers: left out, as before
        ("ids=abc&decision=reject&comment=x&csrf_token=t", []),
    ],
)
def test_bulk_ids_decode_from_none_one_or_many_boxes(client, body: str, ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    answer = client.post("/bulk", content=body, headers=FORM)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"ids": ids, "decision": "reject", "comment": "x"}


def test_missing_fields_decode_empty(client) -> None:  # type: ignore[no-untyped-def]
    answer = client.post("/bulk", content="", headers=FORM)
    assert answer.status_code == 200 and answer.json() == {"ids": [], "decision": "", "comment": ""}


def test_a_scalar_field_posted_twice_is_a_400(client) -> None:  # type: ignore[no-untyped-def]
    answer = client.post("/bulk", content="ids=1&decision=reject&decision=request_info", headers=FORM)
    assert answer.status_code == 400 and "decision" in answer.text


@pytest.mark.parametrize(
    ("body", "services"),
    [
        ("services=storage&services=returns", ["storage", "returns"]),
        ("services=storage", ["storage"]),
        ("city=Berlin", []),
    ],
)
def test_warehouse_services_decode_as_a_list(client, body: str, services: list[str]) -> None:  # type: ignore[no-untyped-def]
    answer = client.post("/warehouse", content=body, headers=FORM)
    assert answer.status_code == 200, answer.text
    assert answer.json()["services"] == services


def test_entered_gives_the_values_by_field_name() -> None:
    form = msgspec.convert({"city": "Berlin", "floor_area": "12"}, WarehouseForm)
    shown = entered(form)
    assert shown["city"] == "Berlin" and shown["floor_area"] == "12" and shown["country"] == ""
