"""Internal links and redirects come from route names (``url_for``), never from hand-built paths; every
``url_for`` in a template names a route that exists, with that route's parameters."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from litestar.exceptions import NoRouteMatchFoundException

from pilotzone.app import create_app
from pilotzone.web.urls import reverser

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "pilotzone"
TEMPLATES = ROOT / "templates"

# Texts that are paths but not links to a page, per file, with the reason (None: the whole file)
NOT_LINKS: dict[str, set[str] | None] = {
    # resolves the tenant from the request path before any route is matched; skips static files
    "src/pilotzone/tenancy/middleware.py": {
        "/z/",
        "/province",
        "/province/",
        "/static/",
        "/healthz",
        "/readyz",
        "/schema",
        "/api/",
        "/oauth/",
    },
    # the machine API's middleware and problems recognise its paths before any route is matched; the
    # token URL is the OAuth2 token endpoint's address (the OpenAPI security scheme, Authlib's request)
    "src/pilotzone/api/middleware.py": {"/api/", "/api/v1/z/"},
    "src/pilotzone/api/problems.py": {"/api/", "/oauth/"},
    "src/pilotzone/api/openapi.py": {"/oauth/token"},
    "src/pilotzone/api/oauth.py": {"/oauth/token"},
    # notify's links to a submission, built where no request is at hand (review steps, scheduled
    # certificate runs); tests/integration/notify/test_events.py checks them against the routes
    "src/pilotzone/workflow/told.py": {"/z/"},
    # middleware that skips static files, probes and the API reference before routing
    "src/pilotzone/auth/middleware.py": {"/static/", "/healthz", "/readyz", "/schema", "/api/", "/oauth/"},
    "src/pilotzone/web/middleware.py": {"/static/"},
    "src/pilotzone/web/security.py": {"/schema", "/schema/"},
    "src/pilotzone/auth/oidc_providers.py": {"/oidc/"},  # the sign-in flow cookie's Path
    # invitation and reset links for messages, also issued by the command line, which has no app
    "src/pilotzone/auth/admin_services.py": {"/z/", "/invite/", "/reset/"},
    # the verification address printed (QR code) on a certificate PDF, also issued by the worker, which
    # has no request: the public address from the settings plus this fixed path
    "src/pilotzone/certification/certificates.py": {"/verify/"},
    # the program page a round's reminder links to, made by the worker (no request to reverse a route)
    "src/pilotzone/funding/deadlines.py": {"/z/"},
    # the enterprise's returns page a return's reminder (the worker) and chase message link to
    "src/pilotzone/trade/return_reminders.py": {"/z/"},
    "src/pilotzone/trade/return_compliance.py": {"/z/"},
}

_ROUTE_DECORATORS = {"get", "post", "put", "patch", "delete", "route", "websocket"}


def _prefixes() -> tuple[str, ...]:
    """The first path segment of every route of the app ("/z/", "/province", "/login", ...)."""
    app = create_app()
    first = {"/" + r.path.strip("/").split("/", 1)[0] for r in app.routes if r.path.strip("/")}
    return tuple(sorted(first))


PREFIXES = _prefixes()


def _literal_texts(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants and the leading text of f-strings, except route declarations (decorator
    arguments, ``path = ...`` of controllers and routers) and docstrings."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skip.add(id(body[0].value))
            for deco in getattr(node, "decorator_list", []):
                if isinstance(deco, ast.Call) and getattr(deco.func, "id", "") in _ROUTE_DECORATORS:
                    skip.update(id(n) for arg in deco.args for n in ast.walk(arg))
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "path" for t in node.targets):
            skip.update(id(n) for n in ast.walk(node.value))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") != "Redirect":
            # Router(path=...), create_static_files_router(path=...): declarations, not links
            skip.update(id(n) for kw in node.keywords if kw.arg == "path" for n in ast.walk(kw.value))
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            skip.add(id(node.values[0]))
            found.append((node.lineno, str(node.values[0].value)))
    return found


def _is_path(text: str) -> bool:
    return text.startswith("/z/") or any(text == p or text.startswith((p + "/", p + "?")) for p in PREFIXES)


def _python_offenders() -> list[str]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        name = str(path.relative_to(ROOT))
        allowed = NOT_LINKS.get(name) or set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, text in _literal_texts(tree):
            if _is_path(text) and text not in allowed:
                out.append(f"{name}:{line}: {text!r}")
    return out


# an attribute value that starts with a path, a Jinja string that holds one, or a variable followed by
# more path ("{{ base }}/refresh", "/z/{{ tenant.slug }}/parks")
_TEMPLATE_PATH = re.compile(
    r"""(?:\b(?:href|action|src|hx-(?:get|post|put|delete)|data-hx-(?:get|post|put|delete))="/)"""
    r"""|(?:["']/(?:z|province)\b)|(?:\}\}/[\w-])|(?:~\s*["']/)"""
)


def _template_offenders() -> list[str]:
    out = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = str(path.relative_to(ROOT))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _TEMPLATE_PATH.search(line):
                out.append(f"{name}:{number}: {line.strip()[:120]}")
    return out


def test_no_hand_built_internal_path_in_python() -> None:
    assert _python_offenders() == []


def test_no_hand_built_internal_path_in_templates() -> None:
    assert _template_offenders() == []


def test_the_checks_see_hand_built_paths(tmp_path: Path) -> None:
    """The patterns catch what they are meant to catch (a check that cannot fail proves nothing)."""
    tree = ast.parse('x = f"/z/{slug}/parks/{park.id}"\ny = Redirect(path="/province/?refreshing=1")\n')
    assert [t for _line, t in _literal_texts(tree) if _is_path(t)] == ["/z/", "/province/?refreshing=1"]
    declared = ast.parse(
        'class C:\n    path = "/z/{slug:str}/parks"\n    @get("/province")\n    def f(self): ...\n'
    )
    assert [t for _line, t in _literal_texts(declared) if _is_path(t)] == []
    for line in (
        '<a href="/z/{{ tenant.slug }}/parks/">',
        '<form action="{{ base }}/refresh">',
        '{{ pager(page, "/z/" ~ tenant.slug ~ "/parks/") }}',
        '<a href="/">',
        '<link href="/static/css/app.css">',
    ):
        assert _TEMPLATE_PATH.search(line), line
    assert not _TEMPLATE_PATH.search("<a href=\"{{ url_for('park', slug=tenant.slug, park_id=p.id) }}\">")


def test_the_allow_list_names_existing_files() -> None:
    assert all((ROOT / name).exists() for name in NOT_LINKS)


_URL_FOR = re.compile(r"""url_for\(\s*'(\w+)'((?:\s*,\s*\w+=[^,)]+(?:\([^)]*\))?)*)\s*\)""")


def test_every_url_for_in_templates_names_a_route_with_its_parameters() -> None:
    app = create_app()
    calls = 0
    for path in sorted(TEMPLATES.rglob("*.html")):
        for match in _URL_FOR.finditer(path.read_text(encoding="utf-8")):
            name, args = match.group(1), match.group(2)
            given = set(re.findall(r"(\w+)=", args))
            index = app.get_handler_index_by_name(name)
            assert index is not None, f"{path.relative_to(ROOT)}: no route named {name!r}"
            routes = app.asgi_router.route_mapping[index["identifier"]]
            assert any(set(r.path_parameters) == given for r in routes), (
                f"{path.relative_to(ROOT)}: {name} takes {[sorted(r.path_parameters) for r in routes]}, "
                f"given {sorted(given)}"
            )
            calls += 1
    assert calls > 100


def test_url_for_keeps_index_routes_trailing_slash_and_matches_route_reverse() -> None:
    app = create_app()
    url_for = reverser(app)
    assert url_for("landing") == "/"
    assert url_for("tenant_home", slug="foshan") == "/z/foshan/"
    assert url_for("parks", slug="foshan") == "/z/foshan/parks/"
    assert url_for("park", slug="foshan", park_id=3) == "/z/foshan/parks/3"
    assert url_for("province") == "/province/"
    assert url_for("login") == "/login"
    assert url_for("invite", token="t") == "/invite/t"
    assert url_for("invite", slug="shantou", token="t") == "/z/shantou/invite/t"
    assert url_for("static", file_path="css/app.css") == "/static/css/app.css"
    samples = {int: 7, str: "x", Path: "a/b.css"}
    for route in app.routes:
        for handler in route.route_handlers:
            if not handler.name or route.path.startswith("/schema"):
                continue
            params = {k: samples[v.type] for k, v in route.path_parameters.items()}
            ours = url_for(handler.name, **params)
            if len(app.get_handler_index_by_name(handler.name)["paths"]) == 1:
                assert (
                    ours.rstrip("/") == app.route_reverse(handler.name, **params).rstrip("/") or ours == "/"
                )
    with pytest.raises(NoRouteMatchFoundException):
        url_for("park", slug="foshan", park_id="3")  # an id is an int, as route_reverse requires
    with pytest.raises(NoRouteMatchFoundException):
        url_for("no_such_route")


def test_every_page_route_has_a_name_unique_in_the_app() -> None:
    app = create_app()
    handlers = {
        id(h): h
        for route in app.routes
        if not route.path.startswith("/schema")
        for h in route.route_handlers
        if "OPTIONS" not in getattr(h, "http_methods", ())
    }
    assert [h for h in handlers.values() if not h.name] == []
    names = [h.name for h in handlers.values()]
    assert len(names) == len(set(names))
