from __future__ import annotations

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from pilotzone.documents.owners import OwnerKind
from pilotzone.documents.owners import register as register_owner
from pilotzone.documents.services import documents_of
from pilotzone.registry import services
from pilotzone.web.render import render


class ParkController(Controller):
    path = "/z/{slug:str}/parks"

    @get("/", name="parks")
    async def index(
        self,
        request: Request,
        page: FromQuery[int | None] = None,
        q: FromQuery[str] = "",
        per_page: FromQuery[int] = services.PARK_PAGE_SIZE,
    ) -> Template:
        current, parks = await services.list_parks(page, q.strip(), size=min(max(per_page, 10), 100))
        return render(
            request,
            "registry/parks.html",
            {"page": current, "parks": parks, "q": q},
            partial="registry/partials/parks.html",
        )

    @get("/{park_id:int}", name="park")
    async def detail(self, request: Request, park_id: FromPath[int]) -> Template:
        if not await _park_exists(park_id):
            raise NotFoundException("park not found")
        return render(request, "registry/park.html", await _park_context(park_id))


async def _park_exists(park_id: int) -> bool:
    return await services.get_park(park_id) is not None


async def _park_context(park_id: int) -> dict:
    park = await services.get_park(park_id)
    return {"park": park, "documents": await documents_of("park", park_id), "error": None}


register_owner(
    "park",
    OwnerKind(
        exists=_park_exists,
        page="registry/park.html",
        context=_park_context,
        url=lambda slug, park_id: f"/z/{slug}/parks/{park_id}",
    ),
)
