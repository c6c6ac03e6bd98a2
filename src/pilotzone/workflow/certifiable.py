"""What a subject can be certified for: the keys of the tenant's active certification schemes.

Funding's "holds a certification" eligibility rule names a scheme; the program editor checks the name
against this list. Certification owns the schemes and domains never import each other, so certification
provides the look-up (``pilotzone.certification.services.active_scheme_keys``) and the composition root
registers it with :func:`use_scheme_keys` when it builds the app (``pilotzone.app.wire``). RLS scopes the
look-up to the current tenant.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

SchemeKeys = Callable[[], Awaitable[set[str]]]

_scheme_keys: SchemeKeys | None = None


def use_scheme_keys(source: SchemeKeys) -> None:
    global _scheme_keys
    _scheme_keys = source


async def scheme_keys() -> set[str]:
    """The keys of the tenant's active schemes."""
    if _scheme_keys is None:  # fail closed: a rule is never accepted unchecked
        raise RuntimeError("no scheme look-up registered (pilotzone.app.wire registers it)")
    return await _scheme_keys()
