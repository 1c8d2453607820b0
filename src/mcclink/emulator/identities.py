"""The scenario's people and applications: its ``users`` and ``oauth_clients`` sections.

A user (also the body of ``POST /_emulator/users``)::

    {"email": "ana@padaria.com.br", "name": "Ana", "hd": "padaria.com.br",
     "access": {"111-222-3333": "ADMIN", "2223334444": "READ_ONLY"}}

``access`` names the accounts the person reaches directly and the role on each (``ADMIN``,
``STANDARD``, ``READ_ONLY``, ``EMAIL_ONLY``); a manager account's role reaches its clients
through the manager. ``hd`` (optional) is the person's Google Workspace domain;
``"email_verified": false`` (optional) makes an address Google has not verified.

An OAuth client::

    {"client_id": "onboarding.apps.local", "client_secret": "...",
     "redirect_uris": ["https://agencia.example/oauth/callback"], "name": "Agência"}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from mcclink.emulator.grants import OAuthClient
from mcclink.emulator.model import ROLES, User
from mcclink.emulator.oauth import CLIENT_ID, MANAGER_EMAIL
from mcclink.emulator.shapes import (
    Problem,
    account_id,
    as_object,
    bool_at,
    list_at,
    name_at,
    no_unknown_keys,
    string_at,
    where_key,
)

# A pragmatic address check: one @, no spaces, a dot in the domain.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_USER_KEYS = {"email", "name", "access", "hd", "email_verified"}
_CLIENT_KEYS = {"client_id", "client_secret", "redirect_uris", "name"}


def read_user(raw: object, where: str) -> User:
    """A user from its JSON form.

    Raises:
        Problem: a wrong shape, an unknown role or a malformed account id or email.
    """
    item = as_object(raw, where)
    no_unknown_keys(item, _USER_KEYS, where)
    email = string_at(item, "email", "", where)
    if not _EMAIL.fullmatch(email):
        raise Problem(f"{where}.email must be an email address, not {email!r}")
    if email.lower() == MANAGER_EMAIL:
        raise Problem(f"{where}.email {email!r} is the emulator's own manager user")
    hd = string_at(item, "hd", "", where) if "hd" in item else None
    return User(
        email=email.lower(),
        name=name_at(item, where),
        access=_access(as_object(item.get("access", {}), where_key(where, "access")), where),
        hd=hd,
        email_verified=bool_at(item, "email_verified", True, where),
    )


def _access(raw: Mapping[str, object], where: str) -> dict[str, str]:
    access: dict[str, str] = {}
    for key, role in raw.items():
        at = where_key(where, f"access[{key!r}]")
        if role not in ROLES:
            raise Problem(f"{at} must be one of {list(ROLES)}, not {role!r}")
        access[account_id(key, at)] = str(role)
    return access


def read_oauth_client(raw: object, where: str) -> OAuthClient:
    """An OAuth client from its JSON form.

    Raises:
        Problem: a wrong shape, the emulator's own client id, or a redirect URI that is not
            absolute or has a fragment (RFC 6749 section 3.1.2).
    """
    item = as_object(raw, where)
    no_unknown_keys(item, _CLIENT_KEYS, where)
    client_id = string_at(item, "client_id", "", where)
    if client_id == CLIENT_ID:
        raise Problem(f"{where}.client_id {client_id!r} is the emulator's own client")
    uris = []
    for index, uri in enumerate(list_at(item, "redirect_uris", where)):
        parts = urlsplit(uri) if isinstance(uri, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise Problem(f"{where}.redirect_uris[{index}] must be an absolute http(s) URI")
        if parts.fragment or "#" in str(uri):
            raise Problem(f"{where}.redirect_uris[{index}] must not have a fragment")
        uris.append(str(uri))
    if not uris:
        raise Problem(f"{where}.redirect_uris needs at least one URI")
    return OAuthClient(
        client_id=client_id,
        client_secret=string_at(item, "client_secret", "", where),
        redirect_uris=tuple(uris),
        name=string_at(item, "name", client_id, where),
    )
