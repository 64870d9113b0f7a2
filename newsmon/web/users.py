"""Reviewer logins for `newsmon serve` (datasette-auth-passwords) and the cookie secret."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from storage.paths import Paths

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{0,39}$")
MIN_PASSWORD = 8


class UserError(ValueError):
    """A bad user name or password; the message says what is wrong."""


def users_dir(db_path: str | os.PathLike[str]) -> Path:
    """One password hash file per reviewer (mode 600) in the database's users directory."""
    return Paths.for_db(db_path).users


def check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise UserError(f"user name {name!r}: use 1-40 lowercase letters, digits, '.' or '-', "
                        f"starting with a letter or digit")
    return name


def add_user(db_path: str, name: str, password: str) -> tuple[Path, bool]:
    """Store the password hash for a reviewer; return the file and whether the user is new."""
    from datasette_auth_passwords.utils import hash_password
    check_name(name)
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password for {name}: at least {MIN_PASSWORD} characters, please")
    directory = users_dir(db_path)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / f"{name}.hash"
    marker = directory / f"{name}.removed"
    existed = path.exists() and not marker.exists()
    fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(hash_password(password))
    os.replace(path.with_suffix(".tmp"), path)
    marker.unlink(missing_ok=True)
    return path, not existed


def remove_user(db_path: str, name: str) -> bool:
    """Disable a login at once: its hash becomes one of a random secret nobody knows.

    The file stays, because a running Datasette reads it on every login attempt; a marker
    file makes `list_users` (and so the next `newsmon serve`) leave the user out.
    """
    from datasette_auth_passwords.utils import hash_password
    directory = users_dir(db_path)
    path = directory / f"{check_name(name)}.hash"
    if not path.exists() or (directory / f"{name}.removed").exists():
        return False
    path.write_text(hash_password(secrets.token_hex(32)), encoding="utf-8")
    (directory / f"{name}.removed").touch(mode=0o600)
    return True


def list_users(db_path: str) -> list[str]:
    directory = users_dir(db_path)
    if not directory.is_dir():
        return []
    return sorted(p.stem for p in directory.glob("*.hash")
                  if not (directory / f"{p.stem}.removed").exists())


def auth_config(db_path: str) -> dict[str, dict[str, str]]:
    """datasette-auth-passwords settings: each user's hash read from its file ($file).

    Datasette shows `$file` references, never their contents, on /-/metadata.json.
    """
    directory = users_dir(db_path)
    return {f"{name}_password_hash": {"$file": str(directory / f"{name}.hash")}
            for name in list_users(db_path)}


def cookie_secret(db_path: str) -> str:
    """A per-database secret kept beside it, so logins survive a restart of `newsmon serve`."""
    path = Paths.for_db(db_path).secret
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()
