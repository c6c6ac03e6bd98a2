"""``pilotzone clients create|list|revoke``: machine clients of a tenant from the command line."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from pilotzone.settings import Settings, SettingsError, get_settings

T = TypeVar("T")
CLI_ACTOR = "command line: pilotzone clients"


def command_settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def clients() -> None:
    """Machine API clients (OAuth2 client credentials) of a pilot zone."""


async def _in_tenant(slug: str, work: Callable[[], Awaitable[T]]) -> T:
    from pilotzone.tenancy.context import TenantContext, tenant_transaction
    from pilotzone.tenancy.middleware import lookup

    info = await lookup(slug)
    if info is None:
        raise KeyError(slug)
    async with tenant_transaction(TenantContext(info.id, info.slug, "tenant")):
        return await work()


def _run(slug: str, work: Callable[[], Awaitable[T]]) -> T:
    from pilotzone.embedded import embedded_services

    with embedded_services(command_settings(), s3=False):
        try:
            return asyncio.run(_in_tenant(slug, work))
        except KeyError:
            raise click.BadParameter(f"no active tenant '{slug}'", param_hint="--tenant") from None


@clients.command("create")
@click.option("--tenant", "slug", required=True, help="The pilot zone's slug.")
@click.option("--name", required=True, help="What the client is (e.g. 单一窗口 bridge).")
@click.option("--scopes", required=True, help="Comma-separated: trade:write, trade:read, registry:read, warehouse:write.")
def clients_create(slug: str, name: str, scopes: str) -> None:
    """Create a client; prints JSON with its client_id and client_secret (shown only this once)."""
    from pilotzone.api import clients as service
    from pilotzone.api.codes import scopes_of

    granted = scopes_of(scopes)
    if granted is None:
        raise click.BadParameter(f"unknown or no scope in '{scopes}'", param_hint="--scopes")
    if not name.strip() or len(name.strip()) > 100:
        raise click.BadParameter("a name of 1 to 100 characters", param_hint="--name")
    created = _run(slug, lambda: service.create(name, granted, None, actor=CLI_ACTOR))
    click.echo(json.dumps({
        "client_id": created.client.client_id,
        "client_secret": created.secret,
        "tenant": slug,
        "scopes": [s.value for s in created.client.scopes],
    }, ensure_ascii=False))


@clients.command("list")
@click.option("--tenant", "slug", required=True)
def clients_list(slug: str) -> None:
    """The tenant's clients as JSON lines (never a secret)."""
    from pilotzone.api import clients as service

    for c in _run(slug, service.listing):
        click.echo(json.dumps({
            "id": c.id, "client_id": c.client_id, "name": c.name, "scopes": [s.value for s in c.scopes],
            "created_at": c.created_at.isoformat(), "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
            "last_used_at": c.last_used_at.isoformat() if c.last_used_at else None,
        }, ensure_ascii=False))


@clients.command("revoke")
@click.option("--tenant", "slug", required=True)
@click.argument("client_id")
def clients_revoke(slug: str, client_id: str) -> None:
    """Revoke a client at once (its tokens stop working on their next request)."""
    from pilotzone.api import clients as service

    async def work() -> bool:
        found = await service.by_client_id(client_id)
        return found is not None and await service.revoke(found.id, None, actor=CLI_ACTOR) is not None

    if not _run(slug, work):
        raise click.BadParameter(f"no active client '{client_id}' in {slug}", param_hint="CLIENT_ID")
    click.echo(json.dumps({"client_id": client_id, "revoked": True}))
