"""Internal links and redirects from route names: ``url_for("park", slug=…, park_id=…)``.

Litestar's ``route_reverse`` with two differences:
- the address of a controller's index route (declared ``@get("/")`` under a controller path, e.g. the
  parks list) keeps the trailing slash every link and redirect has always had: ``/z/foshan/parks/``
  (routing accepts both forms; ``route_reverse`` gives ``/z/foshan/parks``);
- each name is compiled once per app into its path pieces: ``route_reverse`` sorts the routes and
  checks every parameter on each call (11 µs; a layout has about 20 links).

Templates call the Jinja global ``url_for(name, **params)`` (registered by the composition root over
Litestar's own, same signature); Python calls :func:`url_for` with the request.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from litestar import Litestar, Request
from litestar.exceptions import NoRouteMatchFoundException
from litestar.types import Scope


class Reverser:
    """Every named route of one app, compiled on first use into a format string per path form."""

    def __init__(self, app: Litestar) -> None:
        self.app = app
        self.compiled: dict[str, list[tuple[frozenset[str], str, tuple[tuple[str, type], ...]]]] = {}

    def _compile(self, name: str) -> list[tuple[frozenset[str], str, tuple[tuple[str, type], ...]]]:
        index = self.app.get_handler_index_by_name(name)
        if index is None:
            raise NoRouteMatchFoundException(f"Route {name} can not be found")
        slash = index["handler"].paths == {"/"}  # a controller's index route: keep its trailing slash
        routes = sorted(
            self.app.asgi_router.route_mapping[index["identifier"]],
            key=lambda r: len(r.path_parameters),
            reverse=True,  # like route_reverse: the form with the most parameters given wins
        )
        forms = []
        for route in routes:
            text, params = "", []
            for component in route.path_components:
                if isinstance(component, str):
                    text += "/" + component.replace("{", "{{").replace("}", "}}")
                else:
                    text += "/{}"
                    params.append((component.name, component.type))
            if not text or (slash and route.path_components):
                text += "/"
            forms.append((frozenset(route.path_parameters), text, tuple(params)))
        self.compiled[name] = forms
        return forms

    def __call__(self, name: str, /, **params: Any) -> str:
        forms = self.compiled.get(name) or self._compile(name)
        if len(forms) == 1:
            _names, text, wanted = forms[0]
        else:
            _names, text, wanted = next((f for f in forms if f[0] <= params.keys()), forms[-1])
        values = []
        for key, kind in wanted:
            value = params.get(key)
            if value.__class__ is not kind and not (
                isinstance(value, kind) or (kind is Path and isinstance(value, str))
            ) or value == "":
                raise NoRouteMatchFoundException(f"route {name}: parameter {key} must be a {kind.__name__}")
            values.append(value)
        return text.format(*values)


def reverser(app: Litestar) -> Reverser:
    """The app's reverser, kept in its state."""
    found = app.state.get("url_reverser")
    if found is None:
        found = app.state["url_reverser"] = Reverser(app)
    return found


def url_for(request: Request | Scope, name: str, /, **params: Any) -> str:
    """The path of the route ``name`` with ``params`` (a request or its ASGI scope)."""
    app = request.app if isinstance(request, Request) else request["app"]
    return reverser(app)(name, **params)


_last: tuple[Any, Reverser, dict[tuple[Any, ...], tuple[tuple[type, ...], str]]] | None = None
# (app, its reverser, the paths it gave templates): one app serves the templates. A list page asks for
# the same links on every request (a row's link, the layout's); a path is kept with the classes of the
# values it was made of, so an equal value of another class (True for 1) is checked again.
MAX_PATHS = 20_000


def template_url_for(context: Any, name: str, /, **params: Any) -> str:
    """The Jinja global (``@pass_context``: the template context carries the request)."""
    global _last
    app = context["request"].app
    if _last is None or _last[0] is not app:
        _last = (app, reverser(app), {})
    paths = _last[2]
    key = (name, *params.items())
    classes = tuple([value.__class__ for value in params.values()])
    try:
        found = paths.get(key)
    except TypeError:  # an unhashable value: never a valid parameter, the reverser says why
        return _last[1](name, **params)
    if found is not None and found[0] == classes:
        return found[1]
    path = _last[1](name, **params)
    if len(paths) >= MAX_PATHS:
        paths.clear()
    paths[key] = (classes, path)
    return path


UrlFor = Callable[..., str]
