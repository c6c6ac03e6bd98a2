from __future__ import annotations

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from pilotzone.auth.guards import MEMBERS, allow
from pilotzone.certification import services
from pilotzone.certification.schemes import from_stored
from pilotzone.web.render import render


class SchemeController(Controller):
    """What each certification scheme of this pilot zone asks for (read by every member)."""

    path = "/z/{slug:str}/schemes"

    @get("/", name="schemes", opt=allow(MEMBERS))
    async def index(self, request: Request) -> Template:
        return render(request, "certification/schemes.html", {"schemes": await services.active_schemes()})

    @get("/{scheme_key:str}", name="scheme", opt=allow(MEMBERS))
    async def detail(self, request: Request, scheme_key: FromPath[str]) -> Template:
        scheme = await services.get_scheme(scheme_key)
        if scheme is None:
            raise NotFoundException("no such scheme")
        return render(
            request, "certification/scheme.html", {"scheme": scheme, "spec": from_stored(scheme.spec)}
        )
