"""Users and memberships, written the way the product writes them: a user row as an accepted
invitation saves it (``auth.services.accept_invitation``), a membership through
``auth.services.add_membership`` (audited) in the tenant's transaction."""

from __future__ import annotations

from typing import Any

from tests.factories.base import acting_in, unique
from tests.support import PASSWORD

from pilotzone import db
from pilotzone.auth.passwords import hash_password
from pilotzone.auth.services import add_membership
from pilotzone.auth.tables import Membership, User, find_user


async def user(
    email: str | None = None, display_name: str = "测试用户", password: str | None = PASSWORD
) -> User:
    """A user with a password (``None``: OIDC only) and no membership. Users are global rows: the
    app role may insert them but not delete them; remove them on the owner connection."""
    email = (email or f"{unique('user')}@example.cn").lower()
    row = User(
        email=email,
        display_name=display_name,
        password_hash=None if password is None else hash_password(password),
    )
    async with db.transaction({"app.scope": "public"}):
        await row.save()
    return row


async def user_id(email: str) -> int:
    """The id of an existing user (e.g. a demo account)."""
    async with db.transaction({"app.scope": "public"}):
        found = await find_user(User.email == email.lower())
    assert found is not None, f"no user {email}"
    return found.id


async def membership(
    slug: str,
    user: int,
    role: str = "bureau_reviewer",
    *,
    district_code: str = "",
    park: int | None = None,
    enterprise: int | None = None,
) -> Membership:
    """``user``'s role in the tenant ``slug``, narrowed to a district, park or enterprise if given."""
    grant: dict[str, Any] = {"role": role, "district_code": district_code}
    if park is not None:
        grant["park_id"] = park
    if enterprise is not None:
        grant["enterprise_id"] = enterprise
    async with acting_in(slug):
        return await add_membership(user, grant)


async def member(
    slug: str,
    role: str = "bureau_reviewer",
    *,
    email: str | None = None,
    display_name: str = "测试用户",
    district_code: str = "",
    park: int | None = None,
    enterprise: int | None = None,
) -> tuple[User, Membership]:
    """A new user with one membership (signs in with :data:`tests.support.PASSWORD`)."""
    person = await user(email, display_name)
    role_row = await membership(
        slug, person.id, role, district_code=district_code, park=park, enterprise=enterprise
    )
    return person, role_row
