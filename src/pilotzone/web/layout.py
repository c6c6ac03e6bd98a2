"""Parts of the layout rendered once and reused: ``{{ cached_fragment("macros/nav.html", slug=…, role=…) }}``.

The layout's navigation (about twenty links and their texts) depends only on the page's language, the
tenant and the role it is seen as, not on the request: it is rendered once per environment, language
and key, then served from memory (on the bench page it was a quarter of the layout's rendering time).
A fragment template sees only its key, the Jinja globals and ``request`` (for ``url_for``): whatever
else it showed would be cached across requests, so nothing else is passed.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from pilotzone.web.i18n import get_locale

MAX_ENTRIES = 2_000  # languages × tenants × roles is far less; a bound against unexpected keys

# per environment: one per app (tests build many apps in one process; a gone app takes its entries)
_caches: weakref.WeakKeyDictionary[Environment, dict[tuple[Hashable, ...], Markup]] = weakref.WeakKeyDictionary()


@pass_context
def cached_fragment(context: Context, template_name: str, /, **key: Hashable) -> Markup:
    """``template_name`` rendered with ``key`` (hashable values) as its variables, once per language
    (each time while templates reload, in development)."""
    environment = context.environment
    if environment.auto_reload:  # development: an edited fragment shows on the next page
        return Markup(environment.get_template(template_name).render({**key, "request": context.get("request")}))  # noqa: S704 - autoescaped template output
    cache = _caches.get(environment)
    if cache is None:
        cache = _caches[environment] = {}
    cache_key = (template_name, get_locale(), *key.items())
    found = cache.get(cache_key)
    if found is None:
        variables: dict[str, Any] = {**key, "request": context.get("request")}
        found = Markup(environment.get_template(template_name).render(variables))  # noqa: S704 - autoescaped template output
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        cache[cache_key] = found
    return found


def forget_fragments() -> None:
    """Drop every cached fragment (tests that change translations or templates)."""
    _caches.clear()
