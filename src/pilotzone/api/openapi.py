"""What the OpenAPI document says of the machine API: its security schemes and, per route, the token
scope it needs and the problems it may answer."""

from __future__ import annotations

from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, OAuthFlow, OAuthFlows, SecurityRequirement, SecurityScheme

from pilotzone.api.codes import Scope
from pilotzone.api.problems import MEDIA_TYPE, TITLES, Problem

COMPONENTS = Components(
    security_schemes={
        "oauth2": SecurityScheme(
            type="oauth2",
            description="OAuth2 client credentials: POST /oauth/token with HTTP Basic client authentication.",
            flows=OAuthFlows(
                client_credentials=OAuthFlow(
                    token_url="/oauth/token", scopes={s.value: s.en for s in Scope}
                )
            ),
        ),
        "basicAuth": SecurityScheme(type="http", scheme="basic", description="client_id:client_secret"),
    }
)


def security(scope: Scope | None) -> list[SecurityRequirement] | None:
    """A route's ``security=``: the oauth2 scheme with the scope it needs; public routes need none."""
    return [{"oauth2": [scope.value]}] if scope is not None else []


def problems(*codes: int) -> dict[int, ResponseSpec]:
    """A route's ``responses=``: the problems it may answer (RFC 9457)."""
    return {
        code: ResponseSpec(
            data_container=Problem, description=TITLES.get(code, "Error"), media_type=MEDIA_TYPE,
            generate_examples=False,
        )
        for code in codes
    }


TOKEN_PROBLEMS = (400, 401, 403, 404, 422, 429, 503)
PUBLIC_PROBLEMS = (400, 404, 503)
