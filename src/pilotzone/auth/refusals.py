"""The answers to "who are you?" and "you may not": the sign-in redirect and the refusal page (which
says why, and which of the user's memberships would be allowed). The other error pages are web's."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect, Template

from pilotzone.auth.guards import Access
from pilotzone.auth.middleware import CsrfFailed
from pilotzone.auth.principal import Principal, current_principal
from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import current_path, htmx, render
from pilotzone.web.urls import url_for


def not_signed_in(request: Request, exc: NotAuthorizedException) -> Response | Template:
    """Pages send people to the sign-in form and back; other requests get a plain 401."""
    if request.method in ("GET", "HEAD") and not htmx(request):
        return Redirect(
            path=f"{url_for(request, 'login')}?next={quote(current_path(request))}", status_code=303
        )
    return render(
        request, "errors/error.html", {"status": 401, "detail": _("Sign in first.")}, status_code=401
    )


def refused(request: Request, exc: PermissionDeniedException) -> Response | Template:
    """The refusal page: why, and where the user can go instead. It offers only memberships the user
    is not acting with now and whose role the route allows, and says "no role here" only when the
    user has none in this pilot zone (acting elsewhere with a role here is a different reason)."""
    found = request.scope.get("principal")  # set by check_access
    principal = found if isinstance(found, Principal) else current_principal()
    tenant = request.scope.get("state", {}).get("tenant")
    handler = request.scope.get("route_handler")
    access = handler.opt.get("access") if handler is not None else None
    here = principal.in_tenant(tenant.id) if tenant and principal.authenticated else []
    acting_id = principal.acting.id if principal.acting is not None else None
    switch_to = [
        m
        for m in here
        if m.id != acting_id
        and (not isinstance(access, Access) or access.kind != "tenant" or m.role in access.roles)
    ]
    if isinstance(exc, CsrfFailed):
        reason = _("The form's security token is missing or out of date. Reload the page and try again.")
    elif principal.province and tenant and request.method not in ("GET", "HEAD"):
        reason = _("Provincial staff can read a pilot zone's pages but not change them.")
    elif tenant and principal.authenticated and principal.acting is None and not principal.province:
        if here:
            reason = _("You are signed in with a role in another pilot zone.")
        else:
            reason = _("Your account has no role in this pilot zone.")
    else:
        reason = _("Your role does not allow this.")
    home = None
    if not here and principal.acting is None and principal.memberships:
        home = url_for(request, "tenant_home", slug=principal.memberships[0].tenant_slug)
    context = {"reason": reason, "switch_to": switch_to, "home": home, "acting": principal.acting is not None}
    return render(request, "errors/403.html", context, status_code=403)
