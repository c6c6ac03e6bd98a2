"""schemathesis against the app's own OpenAPI document (/schema/openapi.json): for every operation of
the machine API it generates requests (a few per operation, to stay fast), which are sent through the
app with a valid guangzhou token holding every scope (the city's slug put into the paths, so requests
reach the handlers); every answer is checked: no server error, and its status code, content type,
headers and body as the document says."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from pilotzone.api.codes import Scope

EXAMPLES = 25  # per operation
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


def _cases(operation: Any) -> list[Any]:
    found: list[Any] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(operation.as_strategy())
    def collect(case: Any) -> None:
        found.append(case)

    collect()
    return found


async def test_machine_api_conforms_to_its_document(client: Any, make_client: Any) -> None:
    document = await client.get("/schema/openapi.json")
    assert document.status_code == 200
    schema = schemathesis.openapi.from_dict(document.json())
    created = await make_client("guangzhou", tuple(Scope))
    issued = await client.post("/oauth/token", data={"grant_type": "client_credentials"},
                               auth=(created.client.client_id, created.secret))
    bearer = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    failures: list[str] = []
    statuses: dict[str, set[int]] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for case in _cases(operation):
            if case.path_parameters and "slug" in case.path_parameters:
                case.path_parameters["slug"] = "guangzhou"
            extra = {} if operation.path == "/oauth/token" else bearer
            sent = case.as_transport_kwargs(base_url="http://testserver.local", headers=extra)
            response = await client.request(
                sent["method"], sent["url"], headers=sent.get("headers"), params=sent.get("params"),
                json=sent.get("json"), data=sent.get("data"), content=sent.get("content"),
            )
            statuses.setdefault(f"{operation.method.upper()} {operation.path}", set()).add(response.status_code)
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # a failed check: collected, all reported at the end
                failures.append(f"{operation.method.upper()} {operation.path} → {response.status_code}: {exc}")
    assert operations >= 8
    # the token and the city's slug let generated requests through to the handlers
    assert 200 in statuses["GET /api/v1/z/{slug}/trade-figures"], statuses
    assert 200 in statuses["GET /api/v1/z/{slug}/programs"], statuses
    assert not failures, "\n\n".join(failures[:10])
