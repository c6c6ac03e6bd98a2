"""What the registry has waiting for a user (the workspace, ``pilotzone.home``): the self-registrations
of parks and enterprises a bureau administrator accepts or rejects. One query."""

from __future__ import annotations

from pilotzone.auth.principal import Principal
from pilotzone.registry.codes import Subject
from pilotzone.registry.registration import pending_queue
from pilotzone.web.i18n import gettext as _
from pilotzone.web.labels import label
from pilotzone.web.worklist import Link, Todo, WorkEntry, compact, todo


async def todos(principal: Principal) -> list[Todo]:
    m = principal.acting
    if principal.province or m is None or m.role != "bureau_admin":
        return []
    entries = [
        WorkEntry(
            label=r["name"],
            link=Link("registrations"),
            note=label(Subject(r["kind"])) if r["kind"] in Subject.values() else "",
            since=r["created_at"],
        )
        for r in await pending_queue()
    ]
    return compact(
        [todo("registry.registrations", _("Registrations to accept"), Link("registrations"), entries)]
    )
