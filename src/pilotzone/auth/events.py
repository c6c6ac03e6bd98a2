"""What auth tells the layers above it without importing them: a one-time link (invitation, password
reset) was issued. The composition root connects listeners (``app.wire()``: notify mails the link);
the link is still shown to the administrator who issued it, to pass on by hand."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LinkIssued:
    kind: str  # "invite" | "reset"
    email: str
    path: str  # the link's path on this site (it carries the token: never store it)
    tenant_id: int | None  # the pilot zone it leads into (None: a provincial invitation, or a reset)
    user_id: int | None = None  # the user a reset is for


Listener = Callable[[LinkIssued], Awaitable[None]]
_listeners: list[Listener] = []


def on_link_issued(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


async def link_issued(issued: LinkIssued) -> None:
    """Called in the issuing transaction, after the link is recorded."""
    for listener in _listeners:
        await listener(issued)
