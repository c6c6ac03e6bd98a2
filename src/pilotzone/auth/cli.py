"""``pilotzone users``: the first administrators of a deployment, without an identity provider."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import click

from pilotzone.auth.tables import PROVINCE_ROLES
from pilotzone.settings import SettingsError, get_settings

if TYPE_CHECKING:
    from pilotzone.auth.admin_services import Invitation


@click.group()
def users() -> None:
    """Users: invite the first administrators (province admin, a city's bureau admin)."""


@users.command("invite")
@click.option("--email", required=True, help="The address the invitation is for.")
@click.option(
    "--role",
    required=True,
    type=click.Choice([*(role.value for role in PROVINCE_ROLES), "bureau_admin", "bureau_reviewer"]),
    help="A province role (no --tenant) or a role in one pilot zone (with --tenant).",
)
@click.option("--tenant", "slug", default=None, help="The pilot zone (tenant slug) of a bureau role.")
@click.option(
    "--base-url",
    default="",
    help="The deployment's public address (e.g. https://pilotzone.example.cn); the link is printed on it.",
)
def invite(email: str, role: str, slug: str | None, base_url: str) -> None:
    """Print a one-time invitation link (valid 7 days): the invitee sets a password there and signs in."""
    from pilotzone.auth.admin_services import AdminError, invite_from_command_line
    from pilotzone.embedded import embedded_services
    from pilotzone.web.i18n import gettext

    try:
        settings = get_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None

    async def issue() -> Invitation:
        from pilotzone.db import DB

        try:
            return await invite_from_command_line(email, role, slug)
        finally:
            await DB.close_connection_pool()

    def issue_as_owner() -> Invitation:
        # no user is signed in: pz_issue_link() lets only the owner's connection issue this link
        from pilotzone.db import owner_role

        with owner_role():
            return asyncio.run(issue())

    with embedded_services(settings, s3=False):
        try:
            invitation = issue_as_owner()
        except AdminError as exc:
            raise click.BadParameter(gettext(exc.message), param_hint=f"--{exc.field}") from None
    where = f" in {slug}" if slug else ""
    click.echo(f"invitation for {invitation.email} ({role}{where}), valid for 7 days, usable once:")
    click.echo(f"{base_url.rstrip('/')}{invitation.path}")
