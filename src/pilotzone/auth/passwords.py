"""argon2id password hashes (argon2-cffi defaults: RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def N_(message: str) -> str:  # noqa: N802 - extraction marker (web.labels imports this module's users)
    return message


MIN_LENGTH = 10
# verifying against this keeps the time of "no such user" equal to "wrong password"
_DUMMY = _hasher.hash("pilotzone-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """An English msgid describing what is wrong with a new password, or None."""
    if len(password) < MIN_LENGTH:
        return N_("Use at least 10 characters.")
    if password.isdigit() or password.isalpha():
        return N_("Mix letters with digits or symbols.")
    return None
