"""Bad input: every case answers exit 2 with a clear message, and nothing changes.

``mcclink`` runs in a subprocess, as a user runs it, against ``mcclink emulator serve`` and a
store (SQLite, or DynamoDB on the moto server). Each case of ``CASES`` names its expected
exit code and the phrases its message must hold (the problem and its fix); after each one
the store's clients and history, its staff (users, API tokens, sessions: every record as
stored), the emulator's links and invitation counters and the files of the working
directory must be exactly as before, and no traceback may be printed.

Decisions the table encodes:

- A manager account as a client is legitimate (a sub-manager), so ``accepted`` checks that
  inviting one works; only the MCC itself is refused (exit 2, before any call). A link that
  would make a cycle is refused by Google (``CYCLE_NOT_ALLOWED``): the store cannot know the
  hierarchy, so that refusal is exit 1, recorded, the client's status unchanged.
- Tests run as root, where mode 000 does not stop a read: the unreadable ``google-ads.yaml``
  is a directory, a binary file and invalid YAML instead.
- A CSV with a UTF-8 BOM is not bad input: ``accepted`` checks that it imports.
- Nor is a name that looks like Rich markup (``Acme [/] Ltd``): ``accepted`` checks that it
  is registered and shown as written. A name holding a terminal escape sequence is refused
  (control characters), and the refusal does not echo it raw.
- Where ``World`` has every optional part installed, a missing extra is simulated by a
  stand-in module that fails to import, first on ``PYTHONPATH`` (no bytecode written).
- ``World`` has staff (an admin, an operator with a browser session, a token), as an install
  in use does; "nobody could sign in" is only true of an empty install, so that case runs on
  a second, empty store (``{empty}``), made for it and checked unchanged too.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mcclink.domain import CustomerId
from mcclink.ports import Store
from mcclink.serialization import client_to_dict, history_to_dict
from mcclink.staff import new_session
from mcclink.store import open_store
from mcclink.store.dynamodb import DynamoDBStore
from mcclink.store.sqlite import SqliteStore
from tests.e2e.conftest import MCCLINK, Served, clean_env, serve_emulator
from tests.reliability.runner import Fault, TrialOutcome, TrialSummary, drop_tables, summarize

FULL_TRIALS = 1  # the table is deterministic: one pass per store says all it can
MCC, SUB_MANAGER, PARENT_MANAGER = "1234567890", "9876543210", "5554443333"
INVITED, REGISTERED, FRESH = "1112223333", "2223334444", "3334445555"
MARKUP_CLIENT, MARKUP_NAME = "6667778888", "Acme [/] Ltd"  # registered without an invitation
SCENARIO = {
    "managers": [
        {"id": MCC, "name": "Agência Demo"},
        {"id": SUB_MANAGER, "name": "Filial Sul"},
        {"id": PARENT_MANAGER, "name": "Holding"},
    ],
    "clients": [
        {"id": INVITED, "name": "Padaria Sol"},
        {"id": REGISTERED, "name": "Açaí & Cia"},
        {"id": FRESH, "name": "Oficina do Zé"},
    ],
}
#: The staff: the only admin, an operator signed in on a browser, someone not a user.
ADMIN, OPERATOR, STRANGER = "ana@agencia.com.br", "joao@agencia.com.br", "rita@agencia.com.br"
#: The SQLite tables of the staff's records.
STAFF_TABLES = ("StaffUsers", "ApiTokens", "StaffSessions")
BIG_ROWS, BAD_LINE = 10_000, 6_791
BIG_CSV_SECONDS = 10.0
_BAD_ID = ("invalid Google Ads customer id", "123-456-7890 or 1234567890")


@dataclass(frozen=True)
class Case:
    """One bad input: the command, its files and environment, and the answer expected."""

    name: str
    args: tuple[str, ...]
    expect: tuple[str, ...]
    env: Mapping[str, str | None] = field(default_factory=dict)
    files: Mapping[str, bytes] = field(default_factory=dict)
    code: int = 2
    #: Phrases the answer must not hold (a secret-looking value from the bad file).
    absent: tuple[str, ...] = ()


def _big_csv() -> bytes:
    rows = [f"{4_000_000_000 + i},Cliente {i}" for i in range(BIG_ROWS)]
    rows[BAD_LINE - 2] = "40000-BAD,Cliente ruim"  # line 1 is the header
    return ("customer_id,name\n" + "\n".join(rows) + "\n").encode()


def _id_cases() -> list[Case]:
    bad = {
        "empty": "",
        "blank": "  ",
        "short": "12-34",
        "13-digits": "1234567890123",
        "letters": "abc-def-ghij",
        "full-width": "".join(chr(0xFF10 + int(d)) for d in "1234567890"),  # full-width digits,
    }
    return [
        *(Case(f"id {n}: clients add", ("clients", "add", v, "--name", "X"), _BAD_ID)
          for n, v in bad.items()),
        *(Case(f"id {n}: links invite", ("links", "invite", INVITED, v), _BAD_ID)
          for n, v in bad.items()),
    ]  # fmt: skip


def _csv(name: str, content: bytes, *expect: str) -> Case:
    return Case(f"csv {name}", ("clients", "import", f"{name}.csv", "--invite"), expect,
                files={f"{name}.csv": content})  # fmt: skip


_YAML = "GOOGLE_ADS_CONFIGURATION_FILE_PATH"
_NO_TOKEN = {"GOOGLE_ADS_REFRESH_TOKEN": None}
_FIX_YAML = ("fix the file or GOOGLE_ADS_CONFIGURATION_FILE_PATH",)
#: A token ``mcclink web`` accepts, so that the case's other setting is the one refused.
_WEB_TOKEN = "bad-input-web-token-0123456789abcdef"
_WEBHOOK_URL = "https://crm.example.com/h"
_ESCAPE = "\x1b]8;;http://x\x07"  # a terminal hyperlink: OSC 8, ended by BEL
_NEW_ACCOUNT = ("accounts", "create", "--name", "Nova")
#: A valid CSV but for row 3's attribute: 100 KB, over DynamoDB's item limit once stored.
_BIG_FIELD_CSV = (
    b"customer_id,name,notes\n3334445555,Oficina,ok\n4445556666,Lua,ok\n"
    + b"5556667777,Sol,"
    + b"x" * 100_000
    + b"\n"
)


def _missing(module: str) -> bytes:
    """A stand-in ``module`` that fails to import as an absent one does (``World`` has
    every extra installed; the stand-in goes first on ``PYTHONPATH``)."""
    return f"raise ModuleNotFoundError(\"No module named '{module}'\", name='{module}')\n".encode()


_TOKEN = ("tokens", "create", "--name", "ci", "--role", "viewer")
#: The secret part of a whole token of no one, mistyped: never echoed (its id part may be).
_NOBODYS_SECRET = "Zq8-hunter2_" + "k7" * 15 + "x"
_STAFF_CASES = (
    Case("users add: unknown role", ("users", "add", STRANGER, "--role", "boss"),
         ("Invalid value for --role", "unknown role 'boss'", "use one of viewer, operator, admin")),
    Case("users add: role missing", ("users", "add", STRANGER), ("Missing option '--role'",)),
    Case("users add: malformed e-mail", ("users", "add", "rita at agencia", "--role", "viewer"),
         ("invalid e-mail address 'rita at agencia'", "e.g. ana@agencia.com.br")),
    Case("users add: e-mail with an empty domain label",
         ("users", "add", "rita@agencia..com.br", "--role", "viewer"),
         ("invalid e-mail address 'rita@agencia..com.br'", "e.g. ana@agencia.com.br")),
    Case("users add: e-mail ending in a dot",
         ("users", "add", "rita@agencia.com.", "--role", "viewer"),
         ("invalid e-mail address 'rita@agencia.com.'", "e.g. ana@agencia.com.br")),
    Case("users add: already a user", ("users", "add", OPERATOR.upper(), "--role", "viewer"),
         (f"{OPERATOR} is already a user", "mcclink users set-role")),
    Case("users add: escape sequence in the name",
         ("users", "add", STRANGER, "--role", "viewer", "--name", f"Rita{_ESCAPE}"),
         ("the name holds U+001B, a control character", "remove it"), absent=("\x1b", "\x07")),
    Case("users add: 300-character name",
         ("users", "add", STRANGER, "--role", "viewer", "--name", "N" * 300),
         ("the name has 300 characters: at most 255",)),
    Case("users set-role: not a user", ("users", "set-role", STRANGER, "--role", "admin"),
         (f"{STRANGER} is not a user", "mcclink users list")),
    Case("users set-role: the last admin", ("users", "set-role", ADMIN, "--role", "operator"),
         (f"{ADMIN} is the only admin", "make another user admin first")),
    Case("users remove: not a user", ("users", "remove", STRANGER, "--yes"),
         (f"{STRANGER} is not a user", "mcclink users list")),
    Case("users remove: the last admin", ("users", "remove", ADMIN, "--yes"),
         (f"{ADMIN} is the only admin", "make another user admin first")),
    Case("users remove: no terminal and no --yes", ("users", "remove", OPERATOR),
         ("no terminal to ask for confirmation", "pass --yes")),
    Case("users sign-out: not a user", ("users", "sign-out", STRANGER),
         (f"{STRANGER} is not a user", "mcclink users list")),
    Case("--json: the last admin", ("users", "remove", ADMIN, "--yes", "--json"),
         ('"code": "LastAdmin"', f'"message": "{ADMIN} is the only admin')),
    Case("tokens create: --expires 90 days", (*_TOKEN, "--expires", "90 days"),
         ("Invalid value for --expires", "invalid duration '90 days'", "e.g. 30s, 10m, 24h")),
    Case("tokens create: --expires 0s", (*_TOKEN, "--expires", "0s"),
         ("invalid duration '0s'", "longer than zero")),
    Case("tokens create: --expires over ten years", (*_TOKEN, "--expires", "999999999d"),
         ("at most 3650 days", "leave it out for a token that does not expire")),
    Case("tokens create: name with a space",
         ("tokens", "create", "--name", "CI Token", "--role", "viewer"),
         ("invalid token name 'CI Token'", "e.g. ci or zapier")),
    Case("tokens create: owner not a user", (*_TOKEN, "--owner", STRANGER),
         (f"{STRANGER} is not a user", "mcclink users list")),
    Case("tokens create: owner cli: with an escape sequence",
         (*_TOKEN, "--owner", f"cli:ana{_ESCAPE}"),
         ("invalid token owner", "it holds U+001B",
          "cli:<name> with a printable name of at most 64 characters (e.g. cli:ana)"),
         absent=("\x1b", "\x07")),
    Case("tokens create: owner cli: with no name", (*_TOKEN, "--owner", "cli:"),
         ("invalid token owner 'cli:': it is empty", "(e.g. cli:ana)")),
    Case("tokens create: owner cli: of 500 characters", (*_TOKEN, "--owner", "cli:" + "a" * 500),
         ("invalid token owner", "it has 500", "at most 64 characters"), absent=("a" * 100,)),
    Case("tokens create: owner's address malformed", (*_TOKEN, "--owner", "rita at x"),
         ("invalid e-mail address 'rita at x'", "e.g. ana@agencia.com.br")),
    Case("tokens create: role above the owner's",
         ("tokens", "create", "--name", "ci", "--role", "admin", "--owner", OPERATOR),
         (f"{OPERATOR} is operator", "--role operator or lower")),
    Case("tokens create: a name the owner already uses", (*_TOKEN, "--owner", OPERATOR),
         (f"{OPERATOR} already has a token named ci (mcl_",
          "choose another name (--name), or revoke")),
    Case("tokens revoke: unknown id", ("tokens", "revoke", "mcl_q3jxv0mn8btz"),
         ("no API token has id 'q3jxv0mn8btz'", "mcclink tokens list")),
    Case("tokens revoke: a whole token of no one",
         ("tokens", "revoke", f"mcl_q3jxv0mn8btz_{_NOBODYS_SECRET}"),
         ("no API token has id 'q3jxv0mn8btz'", "mcclink tokens list"),
         absent=(_NOBODYS_SECRET[:12], _NOBODYS_SECRET[-12:])),
    Case("tokens revoke: no id", ("tokens", "revoke", ""),
         ("no token id given", "its mcl_<id> prefix, as `mcclink tokens list` shows it")),
    Case("tokens revoke: mcl_ alone", ("tokens", "revoke", "mcl_"),
         ("no token id given", "mcclink tokens list")),
    Case("tokens list: owner malformed", ("tokens", "list", "--owner", "bad-owner"),
         ("invalid e-mail address 'bad-owner'",)),
)  # fmt: skip
#: Hiding, showing and moving links, the tree, every manager at once (issue #17).
_TREE_CASES = (
    Case("id short: links hide", ("links", "hide", "12-34"), _BAD_ID),
    Case("links hide: a PENDING client", ("links", "hide", INVITED),
         ("cannot hide 111-222-3333: the link is PENDING", "hide needs an APPROVED link")),
    Case("links unhide: an unknown client", ("links", "unhide", FRESH),
         ("client 3334445555 is not registered under MCC 1234567890", "mcclink clients add")),
    Case("links move: --to malformed", ("links", "move", INVITED, "--to", "abc"),
         ("Invalid value for --to", "invalid Google Ads customer id 'abc'")),
    Case("links move: no --to", ("links", "move", INVITED), ("Missing option '--to'",)),
    Case("links move: --to the MCC itself", ("links", "move", INVITED, "--to", MCC),
         ("cannot move 111-222-3333 to 123-456-7890: that is the manager it is under", "--to")),
    Case("links move: --to the client itself", ("links", "move", INVITED, "--to", INVITED),
         ("that is the client itself", "--to")),
    Case("links move: a PENDING client", ("links", "move", INVITED, "--to", SUB_MANAGER),
         ("cannot move 111-222-3333: the link is PENDING", "move needs an APPROVED link")),
    Case("links move: an unknown client", ("links", "move", FRESH, "--to", SUB_MANAGER),
         ("client 3334445555 is not registered under MCC 1234567890", "mcclink clients add")),
    Case("links move: --to a client account", ("links", "move", INVITED, "--to", REGISTERED),
         ("cannot move 111-222-3333 to 222-333-4444: it is a client account, not a manager",
          "nothing was changed", "name with --to a manager of your tree")),
    Case("links move: --to an unknown account", ("links", "move", INVITED, "--to", "9998887777"),
         ("cannot move 111-222-3333 to 999-888-7777: it is no enabled manager your login reaches",
          "CUSTOMER_NOT_FOUND", "check the id given to --to")),
    Case("clients add: already registered",
         ("clients", "add", REGISTERED, "--name", "Other", "--no-invite"),
         ("client 2223334444 is already registered under MCC 1234567890",
          "`mcclink --mcc 1234567890 clients show 2223334444`")),
    Case("clients add: a client account as --mcc",
         ("--mcc", INVITED, "clients", "add", FRESH, "--name", "Oficina", "--no-invite"),
         ("cannot register clients under 111-222-3333: it is a client account, not a manager",
          "nothing was registered", "give --mcc a manager of your tree")),
    Case("clients add: an unknown account as --mcc",
         ("--mcc", "9998887777", "clients", "add", FRESH, "--name", "Oficina", "--no-invite"),
         ("cannot register clients under 999-888-7777", "CUSTOMER_NOT_FOUND",
          "check the id given to --mcc")),
    Case("clients import under a client account as --mcc",
         ("--mcc", INVITED, "clients", "import", "mcc.csv"),
         ("cannot register clients under 111-222-3333: it is a client account, not a manager",),
         files={"mcc.csv": b"customer_id,name\n3334445555,Oficina\n"}),
    Case("hierarchy: --depth 0", ("hierarchy", "--depth", "0"),
         ("'--depth'", "greater than or equal to 1", "mcclink hierarchy --help")),
    Case("hierarchy: --depth -1", ("hierarchy", "--depth", "-1"),
         ("'--depth'", "greater than or equal to 1", "mcclink hierarchy --help")),
    Case("hierarchy: --depth abc", ("hierarchy", "--depth", "abc"),
         ("'--depth'", "valid integer", "mcclink hierarchy --help")),
    Case("hierarchy: --depth 101", ("hierarchy", "--depth", "101"),
         ("'--depth'", "less than or equal to 100", "mcclink hierarchy --help")),
    Case("hierarchy: --depth past any integer", ("hierarchy", "--depth", "99999999999999999999"),
         ("'--depth'", "less than or equal to 100", "mcclink hierarchy --help")),
    Case("doctor: a client account in MCC_CUSTOMER_IDS", ("doctor",),
         ("MCC_CUSTOMER_IDS: 111-222-3333 is a client account, not a manager",
          "remove it from MCC_CUSTOMER_IDS"),
         env={"MCC_CUSTOMER_IDS": f"{MCC},{INVITED}"}),
    Case("hierarchy: unknown manager", ("--mcc", "9998887777", "hierarchy"),
         ("CUSTOMER_NOT_FOUND", "check --mcc")),
    Case("hierarchy: a client account as --mcc", ("--mcc", INVITED, "hierarchy"),
         ("is a client account, not a manager", "a manager account's id")),
    Case("monitor: a client account as --mcc", ("--mcc", INVITED, "monitor", "--once"),
         ("cannot run a monitor cycle for 111-222-3333: it is a client account, not a manager",
          "nothing was recorded", "give --mcc a manager of your tree")),
    Case("monitor: unknown manager as --mcc", ("--mcc", "9998887777", "monitor", "--once"),
         ("cannot run a monitor cycle for 999-888-7777", "CUSTOMER_NOT_FOUND",
          "nothing was recorded", "check the id given to --mcc")),
    Case("monitor --all with --mcc", ("--mcc", MCC, "monitor", "--all"),
         ("--all syncs every manager of the store: drop --mcc",)),
    Case("monitor --all with --tree", ("monitor", "--all", "--tree"),
         ("give either --all (the store's managers) or --tree, not both",)),
    Case("monitor --concurrency 0", ("monitor", "--all", "--concurrency", "0"),
         ("--concurrency 0 is out of range", "from 1 to 32")),
    Case("monitor --concurrency without --all", ("monitor", "--concurrency", "3"),
         ("--concurrency applies to --all or --tree",)),
    Case("stats --all with --mcc", ("--mcc", SUB_MANAGER, "stats", "--all"),
         ("--all counts every manager: drop --mcc",)),
    Case("stats --all: MCC_CUSTOMER_IDS entry malformed", ("stats", "--all"),
         ("MCC_CUSTOMER_IDS", "invalid Google Ads customer id '12-34'", "separated by commas"),
         env={"MCC_CUSTOMER_IDS": f"{MCC},12-34"}),
    Case("web: MCC_CUSTOMER_IDS entry malformed", ("web", "--port", "0"),
         ("MCC_CUSTOMER_IDS", "invalid Google Ads customer id '12-34'", "separated by commas"),
         env={"MCC_CUSTOMER_IDS": f"{MCC},12-34"}),
)  # fmt: skip

#: The stand-in is put in the working directory; no bytecode is written next to it.
_STAND_IN = {"PYTHONPATH": "{work}", "PYTHONDONTWRITEBYTECODE": "1"}
#: Mail settings that pass validation (port 9: nothing listens; these cases stop before).
_MAIL_ENV = {"MCC_MAIL_URL": "smtp://127.0.0.1:9", "MCC_MAIL_FROM": "ads@example.com"}

CASES: tuple[Case, ...] = (
    *_id_cases(),
    Case("the MCC itself as a client", ("clients", "add", "123-456-7890", "--name", "X"),
         ("123-456-7890 is the MCC itself", "cannot manage itself")),
    # field limits (the same on both stores, checked before any write)
    Case("clients add: 300-character name", ("clients", "add", FRESH, "--name", "N" * 300),
         ("the name has 300 characters: at most 255",)),
    Case("clients add: line break in the name",
         ("clients", "add", FRESH, "--name", "Oficina\ndo Zé"),
         ("the name holds U+000A", "remove it")),
    Case("clients add: escape sequence in the name",
         ("clients", "add", FRESH, "--name", f"Oficina{_ESCAPE}"),
         ("the name holds U+001B", "remove it"), absent=("\x1b", "\x07")),
    Case("clients add: malformed e-mail",
         ("clients", "add", FRESH, "--name", "Oficina", "--email", "ze.example.com"),
         ("invalid e-mail 'ze.example.com'", "ana@example.com")),
    Case("clients add: bidi override in the name",
         ("clients", "add", FRESH, "--name", "Oficina\u202eloS", "--no-invite"),
         ("the name holds U+202E, an invisible format character", "remove it"),
         absent=("\u202e",)),
    Case("clients add: zero-width space as the name",
         ("clients", "add", FRESH, "--name", "\u200b", "--no-invite"),
         ("the name holds U+200B, an invisible format character",), absent=("\u200b",)),
    Case("clients add: a joiner as the name",
         ("clients", "add", FRESH, "--name", "\u200d", "--no-invite"),
         ("333-444-5555 has a blank name",)),
    Case("clients add: e-mail a@b..co",
         ("clients", "add", FRESH, "--name", "Oficina", "--email", "a@b..co", "--no-invite"),
         ("invalid e-mail 'a@b..co'", "ana@example.com")),
    Case("clients add: e-mail <script>@x.co",
         ("clients", "add", FRESH, "--name", "Oficina", "--email", "<script>@x.co", "--no-invite"),
         ("invalid e-mail '<script>@x.co'", "ana@example.com")),
    _csv("missing header", b"1112223333,Padaria\n", "lacks customer_id, name",
         "header such as 'customer_id,name,email'"),
    _csv("wrong header", b"id,nome\n1112223333,Padaria\n", "lacks customer_id"),
    _csv("tab-separated", b"customer_id\tname\n3334445555\tOficina\n", "separated by tabs",
         "save the file with commas or semicolons"),
    _csv("pipe-separated", b"customer_id|name\n3334445555|Oficina\n", "separated by '|'"),
    _csv("duplicate rows", b"customer_id,name\n3334445555,A\n3334445555,A\n",
         "line 3: 333-444-5555 repeats line 2", "nothing imported", "--skip-invalid"),
    _csv("empty", b"", "is empty", "expected a header line"),
    _csv("not UTF-8", b"customer_id,name\n3334445555,Oficina \xff\n", "give a readable UTF-8"),
    _csv("registered under another name", b"customer_id,name\n2223334444,Outro\n",
         "line 2: 222-333-4444 is already registered as", "fix the row"),
    _csv("the MCC as a row", b"customer_id,name\n1234567890,Eu\n", "line 2:", "MCC itself"),
    _csv("10,000 rows, one bad", _big_csv(), f"line {BAD_LINE}: invalid Google Ads customer id",
         "1 bad row(s), nothing imported"),
    _csv("header only", b"customer_id,name\n", "has a header but no rows", "nothing imported",
         "add one line per advertiser"),
    # a header naming one field twice (the last column used to win silently)
    _csv("customer_id twice",
         b"customer_id,name,googleAdsCustomerId\n3334445555,Oficina,2223334444\n",
         "columns 1 ('customer_id') and 3 ('googleAdsCustomerId')",
         "both name the field 'customer_id'", "keep one of them"),
    _csv("name and nome", b"customer_id,name,nome\n3334445555,Oficina,Outra\n",
         "columns 2 ('name') and 3 ('nome')", "keep one of them"),
    _csv("email and e-mail", b"customer_id,name,email,e-mail\n3334445555,Oficina,a@b.com,c@d.com\n",
         "columns 3 ('email') and 4 ('e-mail')", "keep one of them"),
    _csv("value in an unnamed column", b"customer_id,name,\n3334445555,Oficina,esquecido\n",
         "line 2: value 'esquecido' is in a column with no header", "give the column a name"),
    _csv("BOM mid-header", "name,\ufeffcustomer_id\nOficina,3334445555\n".encode(),
         "the header of column 2", "U+FEFF, an invisible format character", "remove it"),
    _csv("registered with another attribute",
         "customer_id,name,region\n2223334444,Açaí & Cia,SP\n".encode(),
         "line 2: 222-333-4444 is already registered with different attributes: 'region' "
         "stored none, row 'SP'", "fix the row or the stored client"),
    _csv("row with three problems", b"customer_id,name,email\n12345,,ze.example.com\n",
         "line 2: invalid Google Ads customer id '12345'", "the client has a blank name",
         "invalid e-mail 'ze.example.com'"),
    # field limits in a CSV: the whole file is refused before the first write
    Case("csv 100 KB attribute at row 3", ("clients", "import", "big.csv", "--invite"),
         ("line 4: 555-666-7777: the attribute 'notes' has 100,000 characters: at most 2,048",
          "nothing imported"),
         files={"big.csv": _BIG_FIELD_CSV}, absent=("x" * 40,)),
    _csv("NUL in a name", b"customer_id,name\n3334445555,Ofi\x00cina\n",
         "line 2: 333-444-5555: the name holds U+0000", "remove it"),
    _csv("malformed e-mail", b"customer_id,name,email\n3334445555,Oficina,oficina.example.com\n",
         "line 2: 333-444-5555: invalid e-mail 'oficina.example.com'", "ana@example.com"),
    Case("csv over 16 MiB", ("clients", "import", "huge.csv"),
         ("huge.csv is larger than 16 MiB, nothing imported", "split it into smaller CSV files"),
         files={"huge.csv": b"customer_id,name\n" + b"3334445555,Oficina\n" * 900_000}),
    Case("csv 200,000-character field", ("clients", "import", "long.csv", "--invite"),
         ("line 2: a field in column 3 ('notes') is over 131,072 characters",
          "an attribute value 2,048"),
         files={"long.csv": b"customer_id,name,notes\n3334445555,Oficina," + b"x" * 200_000},
         absent=("x" * 40,)),
    Case("missing CSV", ("clients", "import", "nowhere.csv"),
         ("cannot read nowhere.csv", "No such file")),
    Case("csv path is a device", ("clients", "import", "/dev/null"),
         ("/dev/null is not a regular file (a device or pipe)", "give the path of a CSV file")),
    Case("unknown status filter", ("clients", "list", "--status", "ACCEPTED"),
         ("unknown link status 'ACCEPTED'", "NOT_LINKED, PENDING, APPROVED")),
    Case("history --actor longer than any actor", ("history", "--actor", "a" * 301),
         ("the actor filter has 301 characters: an actor has at most 300", "type a part of it")),
    Case("history of an unknown client", ("history", FRESH),
         ("client 3334445555 is not registered under MCC 1234567890", "mcclink clients add")),
    Case("onboard list of an unknown client", ("onboard", "list", FRESH),
         ("client 3334445555 is not registered under MCC 1234567890", "mcclink clients add")),
    Case("--json: unknown client", ("clients", "show", FRESH, "--json"),
         ('"code": "ClientNotFound"',
          '"fix": "register it with `mcclink clients add` (or check --mcc)')),
    Case("--json: usage error", ("links", "respond", INVITED, "--json"),
         ('"code": "UsageError"', '"fix": "see `mcclink links respond --help`"')),
    Case("archive a PENDING client", ("clients", "archive", INVITED),
         ("111-222-3333 is PENDING", "pass --cancel-link")),
    Case("archive two, one PENDING", ("clients", "archive", REGISTERED, INVITED),
         ("111-222-3333 is PENDING", "--cancel-link",
          "cancel the invitation or end the link first")),
    Case("accounts create: currency XYZ",
         (*_NEW_ACCOUNT, "--currency", "XYZ", "--time-zone", "America/Sao_Paulo"),
         ("invalid currency code 'XYZ'", "ISO 4217", "e.g. BRL or USD")),
    Case("accounts create: time zone Brasil/Sao Paulo",
         (*_NEW_ACCOUNT, "--currency", "BRL", "--time-zone", "Brasil/Sao Paulo"),
         ("unknown time zone 'Brasil/Sao Paulo'", "IANA name, e.g. America/Sao_Paulo")),
    Case("accounts create: currency XYZ and time zone Mars/Base",
         (*_NEW_ACCOUNT, "--currency", "XYZ", "--time-zone", "Mars/Base"),
         ("invalid currency code 'XYZ'", "unknown time zone 'Mars/Base'")),
    Case("store URL sqlite:/x.db", ("--store", "sqlite:/x.db", "clients", "list"),
         ("invalid store URL 'sqlite:/x.db'", "did you mean sqlite:///x.db")),
    Case("store URL sqlite:x.db", ("--store", "sqlite:x.db", "clients", "list"),
         ("invalid store URL 'sqlite:x.db'", "absolute file path")),
    Case("store URL sqlit:///x", ("clients", "list"), ("'sqlit:///x' (unknown backend)",
         "expected sqlite:///path/to/file.db or dynamodb://"), env={"MCC_STORE": "sqlit:///x"}),
    Case("store URL names a directory", ("--store", "sqlite:///{work}", "clients", "list"),
         ("is a directory: name a file in it", "/mcclink.db")),
    Case("store directory missing",
         ("--store", "sqlite:///{work}/typo-dir/sub/x.db", "clients", "list"),
         ("typo-dir/sub does not exist", "mkdir -p",
          "only the default store's directory is made for you")),
    Case("store file is not a database",
         ("--store", "sqlite:///{work}/notes.txt", "clients", "list"),
         ("notes.txt is not a SQLite database", "a new file name to start an empty store"),
         files={"notes.txt": b"customer_id,name\n"}),
    Case("store URL dynamodb://?regoin=x", ("--store", "dynamodb://?regoin=x", "clients", "list"),
         ("unknown or repeated parameter(s) ['regoin']", "dynamodb://?region=REGION")),
    Case("store path through a file",
         ("--store", "sqlite:///{work}/notes.txt/x.db", "clients", "list"),
         ("notes.txt is a file, not a directory", "correct the path in --store"),
         files={"notes.txt": b"notes\n"}),
    Case("store in /proc", ("--store", "sqlite:////proc/x.db", "clients", "list"),
         ("the SQLite store /proc/x.db cannot be created or opened there",
          "a directory you may write")),
    Case("MCC_CUSTOMER_ID malformed", ("clients", "list"),
         ("MCC_CUSTOMER_ID: invalid Google Ads customer id '12-34'",),
         env={"MCC_CUSTOMER_ID": "12-34"}),
    Case("MCC_CUSTOMER_ID missing", ("clients", "list"), ("no MCC given", "MCC_CUSTOMER_ID"),
         env={"MCC_CUSTOMER_ID": None}),
    Case("MCCLINK_ACTOR with an escape sequence",
         ("clients", "add", FRESH, "--name", "Oficina", "--no-invite"),
         ("MCCLINK_ACTOR must be a printable name of at most 64 characters", "it holds U+001B",
          "set MCCLINK_ACTOR to a short name"),
         env={"MCCLINK_ACTOR": "ana\x1b[2J"}, absent=("\x1b",)),
    Case("MCCLINK_ACTOR of 5,000 characters",
         ("clients", "add", FRESH, "--name", "Oficina", "--no-invite"),
         ("MCCLINK_ACTOR must be a printable name of at most 64 characters", "(it has 5,000)"),
         env={"MCCLINK_ACTOR": "a" * 5000}, absent=("a" * 100,)),
    Case("refresh token missing: links list", ("links", "list"),
         ("GOOGLE_ADS_REFRESH_TOKEN is not set",), env=_NO_TOKEN),
    Case("refresh token missing: links invite", ("links", "invite", REGISTERED, INVITED),
         ("GOOGLE_ADS_REFRESH_TOKEN is not set",), env=_NO_TOKEN),
    Case("refresh token missing: clients add", ("clients", "add", FRESH, "--name", "Oficina"),
         ("GOOGLE_ADS_REFRESH_TOKEN is not set",), env=_NO_TOKEN),
    Case("refresh token missing: clients import --invite",
         ("clients", "import", "ok.csv", "--invite"), ("GOOGLE_ADS_REFRESH_TOKEN is not set",),
         env=_NO_TOKEN, files={"ok.csv": b"customer_id,name\n3334445555,Oficina\n"}),
    Case("endpoint without port", ("links", "list"), ("'localhost' needs host:port",),
         env={"GOOGLE_ADS_ENDPOINT": "localhost"}),
    Case("login customer malformed", ("links", "status", INVITED),
         ("GOOGLE_ADS_LOGIN_CUSTOMER_ID: invalid",), env={"GOOGLE_ADS_LOGIN_CUSTOMER_ID": "abc"}),
    Case("max qps malformed", ("links", "invite", REGISTERED),
         ("GOOGLE_ADS_MAX_QPS 'fast' must be a positive number",),
         env={"GOOGLE_ADS_MAX_QPS": "fast"}),
    Case("MCC_IMPORT_ALL_LINKS malformed", ("monitor", "--once"),
         ("MCC_IMPORT_ALL_LINKS 'often' is not a yes/no value", "set it to 1"),
         env={"MCC_IMPORT_ALL_LINKS": "often"}),
    # settings problems all at once: one error names every one
    Case("MCC and refresh token missing: links invite", ("links", "invite", REGISTERED),
         ("no MCC given", "GOOGLE_ADS_REFRESH_TOKEN is not set"),
         env={"MCC_CUSTOMER_ID": None, **_NO_TOKEN}),
    Case("MCC and refresh token missing: clients add",
         ("clients", "add", FRESH, "--name", "Oficina"),
         ("no MCC given", "GOOGLE_ADS_REFRESH_TOKEN is not set"),
         env={"MCC_CUSTOMER_ID": None, **_NO_TOKEN}),
    Case("MCC and refresh token missing: doctor", ("doctor",),
         ("no MCC given", "GOOGLE_ADS_REFRESH_TOKEN is not set"),
         env={"MCC_CUSTOMER_ID": None, **_NO_TOKEN}),
    Case("MCC, refresh token and webhook wrong: monitor", ("monitor", "--once"),
         ("MCC_CUSTOMER_ID: invalid Google Ads customer id '12-34'",
          "GOOGLE_ADS_REFRESH_TOKEN is not set", "MCC_WEBHOOK_URL must be an http://"),
         env={"MCC_CUSTOMER_ID": "12-34", "MCC_WEBHOOK_URL": "ftp://crm", **_NO_TOKEN}),
    Case("public URL and MCC missing: onboard link", ("onboard", "link"),
         ("MCC_PUBLIC_URL is not set", "no MCC given"),
         env={"MCC_CUSTOMER_ID": None, "MCC_PUBLIC_URL": None}),
    Case("no way in and MCC missing: web", ("web", "--port", "0"),
         ("nobody could sign in", "no MCC given"),
         env={"MCC_CUSTOMER_ID": None, "MCC_API_TOKEN": None, "MCC_STORE": "{empty}"}),
    # web and webhook settings (MCC_PUBLIC_URL: None where the emulator's
    # http://127.0.0.1:8080 would name an allowed host)
    Case("web: MCC_API_TOKEN too short", ("web",),
         ("MCC_API_TOKEN is too short (16 characters, at least 32)", "secrets.token_urlsafe(32)"),
         env={"MCC_API_TOKEN": "aaaaaaaaaaaaaaaa"}, absent=("aaaaaaaaaaaaaaaa",)),
    Case("web: MCC_API_TOKEN one repeated character", ("web",),
         ("MCC_API_TOKEN does not look random (1 different characters, at least 10)",
          "secrets.token_urlsafe(32)"), env={"MCC_API_TOKEN": "a" * 40}, absent=("a" * 40,)),
    Case("web: MCC_API_TOKEN not ASCII", ("web",),
         ("MCC_API_TOKEN must be printable ASCII without spaces", "secrets.token_urlsafe(32)"),
         env={"MCC_API_TOKEN": "senha-secreta-ção-0123456789abcdefgh"},
         absent=("senha-secreta-ção-0123456789abcdefgh",)),
    Case("web: --host 0.0.0.0 with no host name", ("web", "--host", "0.0.0.0"),
         ("no host name is allowed", "pass --allowed-host", "MCC_ALLOWED_HOSTS"),
         env={"MCC_API_TOKEN": _WEB_TOKEN, "MCC_PUBLIC_URL": None}),
    Case("web: --allowed-host with a scheme", ("web", "--allowed-host", "https://ads.example.com"),
         ("--allowed-host 'https://ads.example.com' is not a host name or IP address",
          "without scheme or port"), env={"MCC_API_TOKEN": _WEB_TOKEN}),
    Case("web: MCC_ALLOWED_HOSTS with a port", ("web",),
         ("MCC_ALLOWED_HOSTS: 'ads.example.com:443' is not a host name or IP address",),
         env={"MCC_API_TOKEN": _WEB_TOKEN, "MCC_ALLOWED_HOSTS": "ads.example.com:443"}),
    Case("webhook secret one repeated character", ("webhooks", "deliver"),
         ("MCC_WEBHOOK_SECRET does not look random (1 different characters, at least 10)",
          "secrets.token_hex(32)"),
         env={"MCC_WEBHOOK_URL": _WEBHOOK_URL, "MCC_WEBHOOK_SECRET": "a" * 16},
         absent=("a" * 16,)),
    Case("webhook secret not ASCII", ("monitor", "--once"),
         ("MCC_WEBHOOK_SECRET must be printable ASCII without spaces", "secrets.token_hex(32)"),
         env={"MCC_WEBHOOK_URL": _WEBHOOK_URL, "MCC_WEBHOOK_SECRET": "segredo-compartilhado-ção"}),
    # an optional part not installed
    Case("web server without the web extra", ("web",),
         ("optional 'web' dependencies", "pip install 'mcclink[web]'"),
         env=_STAND_IN, files={"uvicorn.py": _missing("uvicorn")}),
    Case("DynamoDB store without the aws extra", ("clients", "list"),
         ("optional 'aws' dependencies", "pip install 'mcclink[aws]'"),
         env={**_STAND_IN, "MCC_STORE": "dynamodb://?region=sa-east-1"},
         files={"boto3.py": _missing("boto3")}),
    Case("google-ads.yaml is a directory", ("links", "list"),
         ("(IsADirectoryError: Is a directory)", *_FIX_YAML), env={_YAML: "{work}"}),
    Case("google-ads.yaml is binary", ("links", "list"), ("not UTF-8 text", *_FIX_YAML),
         env={_YAML: "{work}/bin.yaml"}, files={"bin.yaml": bytes(range(256)) * 4}),
    Case("google-ads.yaml is invalid YAML", ("links", "list"), ("is not valid YAML", "line 2"),
         env={_YAML: "{work}/bad.yaml"}, absent=("in-a-broken-file",),
         files={"bad.yaml": b"client_id: [a\n  refresh_token: 'in-a-broken-file'\n"}),
    Case("google-ads.yaml missing", ("links", "list"), ("cannot read", "No such file"),
         env={_YAML: "{work}/nowhere.yaml"}),
    Case("google-ads.yaml is a device", ("links", "list"), ("not a regular file", *_FIX_YAML),
         env={_YAML: "/dev/null"}),
    Case("scenario not JSON", ("emulator", "serve", "--scenario", "bad.json"),
         ("bad.json: invalid JSON", "expected a JSON object like"),
         files={"bad.json": b'{"managers": ['}),
    Case("scenario without managers", ("emulator", "serve", "--scenario", "empty.json"),
         ("at least one manager",), files={"empty.json": b'{"managers": []}'}),
    Case("scenario missing", ("emulator", "serve", "--scenario", "nowhere.json"),
         ("cannot read scenario file",)),
    Case("respond without a choice", ("emulator", "respond", INVITED),
         ("exactly one of --accept, --refuse or --unlink",)),
    Case("emulator respond: --manager malformed",
         ("emulator", "respond", INVITED, "--accept", "--manager", "12-34"), _BAD_ID),
    Case("emulator respond: no MCC and no --manager", ("emulator", "respond", INVITED, "--accept"),
         ("no MCC given", "pass --mcc", "MCC_CUSTOMER_ID"), env={"MCC_CUSTOMER_ID": None}),
    # mail, reminder and alert settings (issue #15); a password in MCC_MAIL_URL is never echoed
    Case("mail test: MCC_MAIL_URL without a host", ("mail", "test", "--to", "ana@example.com"),
         ("MCC_MAIL_URL needs a host",),
         env={"MCC_MAIL_URL": "smtp://ana:Zq8-hunter2@", "MCC_MAIL_FROM": "ads@example.com"},
         absent=("Zq8-hunter2",)),
    Case("mail test: MCC_MAIL_URL of another scheme", ("mail", "test", "--to", "ana@example.com"),
         ("MCC_MAIL_URL has scheme 'imap://'", "smtp://user:password@smtp.example.com:587"),
         env={"MCC_MAIL_URL": "imap://ana:Zq8-hunter2@mail.example.com",
              "MCC_MAIL_FROM": "ads@example.com"}, absent=("Zq8-hunter2",)),
    Case("mail test: MCC_MAIL_URL unset", ("mail", "test", "--to", "ana@example.com"),
         ("MCC_MAIL_URL is not set", "docs/mail.md"), env={"MCC_MAIL_URL": None}),
    Case("mail test: MCC_MAIL_FROM unset", ("mail", "test", "--to", "ana@example.com"),
         ("MCC_MAIL_FROM is not set",),
         env={"MCC_MAIL_URL": "smtp://127.0.0.1:9", "MCC_MAIL_FROM": None}),
    Case("mail test: two reply-to addresses and an unknown locale",
         ("mail", "test", "--to", "ana@example.com"),
         ("MCC_MAIL_REPLY_TO 'a@example.com, b@example.com' is not one e-mail address",
          "MCC_LOCALE 'fr' must be one of pt-BR, en"),
         env={**_MAIL_ENV, "MCC_MAIL_REPLY_TO": "a@example.com, b@example.com",
              "MCC_LOCALE": "fr"}),
    Case("mail test: --to not an address", ("mail", "test", "--to", "ana at example"),
         ("'ana at example' is not an e-mail address", "ana@example.com"),
         env=_MAIL_ENV),
    Case("mail test: unreachable mail server", ("mail", "test", "--to", "ana@example.com"),
         ("MCC_MAIL_URL: cannot reach the mail server smtp://127.0.0.1:9", "after 3 attempts"),
         env={"MCC_MAIL_URL": "smtp://ana:Zq8-hunter2@127.0.0.1:9",
              "MCC_MAIL_FROM": "ads@example.com"}, absent=("Zq8-hunter2",)),
    Case("doctor: malformed MCC_MAIL_URL", ("doctor",), ("MCC_MAIL_URL needs a host",),
         env={"MCC_MAIL_URL": "smtps://ana:Zq8-hunter2@:465", "MCC_MAIL_FROM": "ads@example.com"},
         absent=("Zq8-hunter2",)),
    Case("remind --dry-run: MCC_REMIND_AT decreasing", ("remind", "--dry-run"),
         ("MCC_REMIND_AT='3d,1d' does not increase", "increasing ages such as 1d,3d,7d"),
         env={"MCC_REMIND_AT": "3d,1d"}),
    Case("remind: MCC_REMIND_AT not a duration", ("remind",),
         ("MCC_REMIND_AT: invalid duration 'soon'", "increasing ages such as 1d,3d,7d"),
         env={"MCC_REMIND_AT": "1d,soon", **_MAIL_ENV}),
    Case("remind without MCC_MAIL_URL", ("remind",), ("mail is not configured", "MCC_MAIL_URL"),
         env={"MCC_MAIL_URL": None}),
    Case("remind without MCC_PUBLIC_URL", ("remind",), ("MCC_PUBLIC_URL is not set",),
         env={"MCC_PUBLIC_URL": None, **_MAIL_ENV}),
    Case("remind preview: client without e-mail", ("remind", "preview", INVITED),
         ("has no e-mail address",)),
    Case("remind preview: unregistered client", ("remind", "preview", FRESH),
         ("is not registered under MCC",)),
    Case("remind preview: bad id", ("remind", "preview", "12-34"), _BAD_ID),
    Case("alerts: MCC_ALERT_REFUSAL_RATE above 1", ("alerts",),
         ("MCC_ALERT_REFUSAL_RATE '2'", "from 0 to 0.99"), env={"MCC_ALERT_REFUSAL_RATE": "2"}),
    Case("alerts: MCC_ALERT_REFUSAL_WINDOW 0", ("alerts",),
         ("MCC_ALERT_REFUSAL_WINDOW '0'", "from 1 to 1000"),
         env={"MCC_ALERT_REFUSAL_WINDOW": "0"}),
    Case("stats: MCC_ALERT_PENDING_AGE not a duration", ("stats",),
         ("MCC_ALERT_PENDING_AGE 'two days'", "invalid duration"),
         env={"MCC_ALERT_PENDING_AGE": "two days"}),
    Case("doctor: MCC_REMIND_AT and MCC_ALERT_REFUSAL_RATE", ("doctor",),
         ("MCC_REMIND_AT='3d,1d' does not increase", "MCC_ALERT_REFUSAL_RATE '2'"),
         env={"MCC_REMIND_AT": "3d,1d", "MCC_ALERT_REFUSAL_RATE": "2"}),
    Case("monitor: MCC_ALERT_EMAIL not an address", ("monitor", "--once"),
         ("MCC_ALERT_EMAIL holds 'ops-at-agency'", "separated by commas"),
         env={"MCC_ALERT_EMAIL": "ops-at-agency", "MCC_MAIL_URL": None}),
    Case("monitor: MCC_ALERT_EMAIL without MCC_MAIL_URL", ("monitor", "--once"),
         ("MCC_ALERT_EMAIL is set but MCC_MAIL_URL is not",),
         env={"MCC_ALERT_EMAIL": "ops@agency.example", "MCC_MAIL_URL": None}),
    # the period report (issue #17)
    Case("report: period 2026-13", ("report", "--period", "2026-13", "-o", "r.html"),
         ("invalid period '2026-13'", "a month 2026-11, an ISO week 2026-W47 or a day 2026-11-05")),
    Case("report: period in words", ("report", "--period", "novembro", "-o", "r.html"),
         ("invalid period 'novembro'", "an ISO week 2026-W47")),
    Case("report: period not started", ("report", "--period", "2099-01", "-o", "r.html"),
         ("period 2099-01 has not started yet", "pick the current period or an earlier one")),
    Case("report: MCC_TIMEZONE Mars/Olympus", ("report", "--period", "2026-11", "-o", "r.html"),
         ("MCC_TIMEZONE 'Mars/Olympus' is not a time zone",
          "an IANA name such as America/Sao_Paulo"),
         env={"MCC_TIMEZONE": "Mars/Olympus"}),
    Case("report: MCC_TIMEZONE and MCC_LOCALE", ("report", "--period", "2026-11", "-o", "r.html"),
         ("MCC_TIMEZONE 'Mars/Olympus' is not a time zone",
          "MCC_LOCALE 'fr' must be one of pt-BR, en"),
         env={"MCC_TIMEZONE": "Mars/Olympus", "MCC_LOCALE": "fr"}),
    Case("report: pdf without a browser",
         ("report", "--period", "2026-11", "--format", "pdf", "-o", "r.pdf"),
         ("a PDF report is printed by Chromium, and none was found", "apt-get install chromium",
          "--format html"), env={"PATH": "{work}/no-browser-here", "MCC_CHROMIUM": None}),
    Case("report: MCC_CHROMIUM not a program",
         ("report", "--period", "2026-11", "--format", "pdf", "-o", "r.pdf"),
         ("MCC_CHROMIUM '/nonexistent/chromium' is not a program that can be run",
          "/usr/bin/chromium"),
         env={"MCC_CHROMIUM": "/nonexistent/chromium"}),
    Case("report: unknown manager", ("report", "--period", "2026-11", "--mcc", SUB_MANAGER),
         ("manager 987-654-3210 has no clients in the store", "check the manager's id")),
    Case("report: --mcc and --all",
         ("report", "--period", "2026-11", "--all", "--mcc", SUB_MANAGER),
         ("give either --mcc or --all, not both",)),
    Case("report: --all, nobody active", ("report", "--period", "2020-01", "--all"),
         ("no manager has history in 2020-01", "check the period")),
    Case("report: format xlsx", ("report", "--period", "2026-11", "--format", "xlsx"),
         ("'xlsx' is not a report format: give one of html, csv, json, pdf",),
         absent=("Value error",)),
    Case("report: -o in a missing directory",
         ("report", "--period", "2026-11", "-o", "missing/r.html"),
         ("cannot write the report to missing/r.html: No such file or directory",
          "give -o a file in a directory you can write to")),
    Case("report: -o is a directory", ("report", "--period", "2026-11", "-o", "{work}"),
         ("cannot write the report to", "Is a directory")),
    Case("report: --pending-age soon", ("report", "--period", "2026-11", "--pending-age", "soon"),
         ("invalid duration 'soon'", "24h")),
    Case("report: no manager", ("report", "--period", "2026-11"),
         ("no MCC given", "set MCC_CUSTOMER_ID"), env={"MCC_CUSTOMER_ID": None}),
    Case("doctor: MCC_TIMEZONE not a time zone", ("doctor",),
         ("MCC_TIMEZONE 'America/Sao_Paolo' is not a time zone", "America/Sao_Paulo"),
         env={"MCC_TIMEZONE": "America/Sao_Paolo"}),
    Case("STAFF_TABLE with a space", ("--store", "dynamodb://?region=sa-east-1", "clients", "list"),
         ("DynamoDB table name 'a b' is invalid", "STAFF_TABLE"), env={"STAFF_TABLE": "a b"}),
    # the staff (issue #16): their settings, then `users` and `tokens`
    Case("web: staff settings wrong", ("web",),
         ("MCC_STAFF_DOMAIN_ROLE cannot be admin", "MCC_BREAK_GLASS 'maybe' is not a yes/no value",
          "MCC_SESSION_IDLE '1m' must be between 5m and 30d",
          "MCC_SESSION_SECRET is too short (12 characters, at least 32)"),
         env={"MCC_API_TOKEN": _WEB_TOKEN, "MCC_STAFF_DOMAIN_ROLE": "admin",
              "MCC_BREAK_GLASS": "maybe", "MCC_SESSION_IDLE": "1m",
              "MCC_SESSION_SECRET": "short-secret"}, absent=("short-secret",)),
    Case("web: Google sign-in without its client secret", ("web",),
         ("MCC_STAFF_CLIENT_SECRET is not set: copy the secret of the web OAuth client",),
         env={"MCC_API_TOKEN": _WEB_TOKEN, "MCC_STAFF_CLIENT_ID": "staff.apps.example"}),
    Case("web: MCC_STAFF_DOMAINS without Google sign-in", ("web",),
         ("MCC_STAFF_DOMAINS is set but MCC_STAFF_CLIENT_ID is not",),
         env={"MCC_API_TOKEN": _WEB_TOKEN, "MCC_STAFF_DOMAINS": "agencia.com.br"}),
    Case("web: MCC_SESSION_IDLE longer than MCC_SESSION_MAX", ("web",),
         ("MCC_SESSION_IDLE (3d) is longer than MCC_SESSION_MAX (1d)",),
         env={"MCC_API_TOKEN": _WEB_TOKEN, "MCC_SESSION_IDLE": "3d", "MCC_SESSION_MAX": "1d"}),
    Case("doctor: staff domain malformed and session lengths crossed", ("doctor",),
         ("MCC_STAFF_DOMAINS: 'agencia com' is not a domain name",
          "MCC_SESSION_IDLE (3d) is longer than MCC_SESSION_MAX (1d)"),
         env={"MCC_STAFF_DOMAINS": "agencia com", "MCC_SESSION_IDLE": "3d",
              "MCC_SESSION_MAX": "1d"}),
    *_STAFF_CASES,
    *_TREE_CASES,
)  # fmt: skip


def _pick(*prefixes: str) -> tuple[Case, ...]:
    return tuple(c for c in CASES if c.name.startswith(prefixes))


#: ``make test``'s share (``make reliability`` runs every case on both stores): one of each
#: kind on SQLite; on DynamoDB those that reach the store or the write-ahead path.
SQLITE_FAST = _pick(
    "id full-width",
    "id letters: links",
    "the MCC",
    "csv tab",
    "csv duplicate",
    "csv 10,000",
    "unknown status",
    "store URL sqlite:/",
    "store URL sqlit:",
    "MCC_CUSTOMER_ID malformed",
    "refresh token missing",
    "endpoint",
    "google-ads.yaml is a dir",
    "google-ads.yaml is invalid",
    "scenario not JSON",
    "clients add: escape",
    "csv customer_id twice",
    "history of an unknown",
    "--json: unknown client",
    "archive two",
    "accounts create: currency",
    "store directory missing",
    "MCC, refresh token and webhook",
    "web: MCC_API_TOKEN too short",
    "webhook secret not ASCII",
    "web server without",
    "mail test: MCC_MAIL_URL of another",
    "remind --dry-run: MCC_REMIND_AT",
    "remind preview: client without",
    "monitor: MCC_ALERT_EMAIL without",
    "csv over 16 MiB",
    "csv path is a device",
    "csv 200,000",
    "csv row with three",
    "csv registered with another attribute",
    "clients add: bidi",
    "clients add: e-mail <script>",
    "store path through",
    "MCCLINK_ACTOR with",
    "report: period 2026-13",
    "no way in",
    "users add: already",
    "users remove: the last admin",
    "tokens create: role above",
    "tokens revoke: a whole token",
)
DYNAMODB_FAST = _pick(
    "id short: clients add", "csv 10,000", "csv registered", "unknown status",
    "refresh token missing: links invite", "refresh token missing: clients import",
    "csv 100 KB", "archive two", "no way in", "users set-role: the last admin",
    "tokens create: role above",
)  # fmt: skip


class World:
    """A running emulator and a store with two clients (one PENDING) and staff (``ADMIN``,
    ``OPERATOR`` signed in, a viewer token), for one trial; beside it an empty store."""

    def __init__(self, store: str, root: Path) -> None:
        self.work = work = root / "work"
        work.mkdir()
        self.served: Served = serve_emulator(work, SCENARIO)
        prefix = f"r3{uuid.uuid4().hex[:8]}-"
        self.url, self.empty_url = (
            (f"sqlite:///{work / 'mcclink.db'}", f"sqlite:///{root / 'empty.db'}")
            if store == "sqlite"
            else (
                f"dynamodb://?region=us-east-1&prefix={prefix}",
                f"dynamodb://?region=us-east-1&prefix={prefix}empty-",
            )
        )
        self.env = {**clean_env(work), **self.served.env, "MCC_STORE": self.url}
        #: Seconds each case's command took, by case name.
        self.seconds: dict[str, float] = {}
        if store == "dynamodb":
            self.run("tables", "create", check=0)
        self.run("tables", "create", env={"MCC_STORE": self.empty_url}, check=0)
        self.run("clients", "add", INVITED, "--name", "Padaria Sol", check=0)
        self.run("clients", "add", REGISTERED, "--name", "Açaí & Cia", "--no-invite", check=0)
        self.run("users", "add", ADMIN, "--role", "admin", check=0)
        self.run("users", "add", OPERATOR, "--role", "operator", check=0)
        self.run(*_TOKEN, "--owner", OPERATOR, check=0)
        with closing(open_store(self.url, self.env)) as opened:
            opened.add_session(new_session(OPERATOR, datetime.now(UTC), timedelta(hours=12))[1])

    def run(
        self, *args: str, env: Mapping[str, str | None] | None = None, check: int | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``mcclink ARGS`` in the world's directory; ``env`` None values unset a variable."""
        merged = {**self.env}
        for name, value in (env or {}).items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = self._fill(value)
        words = [self._fill(a) for a in args]
        done = subprocess.run(
            [MCCLINK, *words], capture_output=True, text=True, env=merged, cwd=self.work, timeout=60
        )
        if check is not None and done.returncode != check:
            raise AssertionError(f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}")
        return done

    def _fill(self, text: str) -> str:
        return text.replace("{work}", str(self.work)).replace("{empty}", self.empty_url)

    def snapshot(self, mcc: str = MCC) -> dict[str, Any]:
        """The store's clients and history of ``mcc`` and its staff's records, the empty
        store's staff, Google's links, the directory's files."""
        with closing(open_store(self.url, self.env)) as store:
            owner = CustomerId(mcc)
            clients = [client_to_dict(c) for c in store.list_clients(owner)]
            far = datetime(2100, 1, 1, tzinfo=UTC)
            entries = store.history_between(datetime(2000, 1, 1, tzinfo=UTC), far, owner)
            history = [history_to_dict(e) for e in entries]
            staff = staff_records(store)
        with closing(open_store(self.empty_url, self.env)) as empty:
            empty_staff = staff_records(empty)
        files = sorted(str(p.relative_to(self.work)) for p in self.work.rglob("*"))
        return {
            "clients": clients,
            "history": history,
            "staff": staff,
            "empty store's staff": empty_staff,
            "google": self.served.admin("/_emulator/state")["links"],
            "files": files,
        }

    def close(self) -> None:
        """Stop the emulator and drop the tables of the DynamoDB stores."""
        self.served.process.terminate()
        self.served.process.wait(timeout=10)
        if self.url.startswith("dynamodb:"):
            drop_tables(self.url)
            drop_tables(self.empty_url)


def staff_records(store: Store) -> list[str]:
    """Every staff record of ``store`` (users, API tokens, sessions) as stored, each as text:
    the rows of its SQLite tables, or the items of its DynamoDB Staff table (a scan: test-only).
    """
    if isinstance(store, SqliteStore):
        with closing(sqlite3.connect(f"file:{store.path}?mode=ro", uri=True)) as db:
            rows = [(t, *r) for t in STAFF_TABLES for r in db.execute(f"SELECT * FROM {t}")]
        return sorted(repr(row) for row in rows)
    assert isinstance(store, DynamoDBStore)
    items = store.client.scan(TableName=store.names.staff, ConsistentRead=True)["Items"]
    return sorted(json.dumps(item, sort_keys=True) for item in items)


@contextmanager
def world(store: str) -> Iterator[World]:
    """A ``World`` in a temporary directory, stopped afterwards."""
    with tempfile.TemporaryDirectory(prefix="mcclink-bad-input-") as directory:
        made = World(store, Path(directory))
        try:
            yield made
        finally:
            made.close()


def check_case(w: World, case: Case) -> list[str]:
    """Run ``case`` in ``w``; the problems found (none when the answer was right)."""
    for name, content in case.files.items():
        (w.work / name).write_bytes(content)
    before = w.snapshot()
    started = time.monotonic()
    done = w.run(*case.args, env=case.env)
    elapsed = w.seconds[case.name] = time.monotonic() - started
    text = " ".join((done.stdout + done.stderr).split())
    problems = [f"exit {done.returncode}, expected {case.code}"] * (done.returncode != case.code)
    problems += [f"message lacks {p!r}" for p in case.expect if p not in text]
    problems += [f"message repeats {p!r}" for p in case.expect if text.count(p) > 1]
    problems += [f"message quotes {p!r}" for p in case.absent if p in text]
    problems += ["printed a traceback"] * ("Traceback" in text)
    if case.name.startswith("csv 10,000") and elapsed > BIG_CSV_SECONDS:
        problems.append(f"took {elapsed:.1f} s (> {BIG_CSV_SECONDS:g} s)")
    after = w.snapshot()
    for name in case.files:
        (w.work / name).unlink()
    problems += [f"{part} changed" for part in before if before[part] != after[part]]
    return [f"{case.name}: {p} [{text[:300]}]" for p in problems]


def check_accepted(w: World) -> list[str]:
    """What is not bad input: a BOM CSV imports, a sub-manager can be invited, a name that
    looks like Rich markup is registered and shown as written, a cycle is refused by Google
    (exit 1, recorded, status unchanged, no invitation sent)."""
    problems = []
    (w.work / "bom.csv").write_bytes(b"\xef\xbb\xbfcustomer_id,name\n333-444-5555,Oficina\n")
    if (done := w.run("clients", "import", "bom.csv")).returncode != 0:
        problems.append(f"BOM CSV: exit {done.returncode}: {done.stderr[-300:]}")
    if not any(c["customer_id"] == FRESH for c in w.snapshot()["clients"]):
        problems.append("BOM CSV: the client was not imported")
    sub = w.run("clients", "add", PARENT_MANAGER, "--name", "Holding")
    if sub.returncode != 0 or "PENDING" not in sub.stdout:
        problems.append(f"sub-manager: exit {sub.returncode}: {sub.stderr[-300:]}")
    problems += _check_markup_name(w)
    problems += _check_cycle(w)
    return problems


def _check_markup_name(w: World) -> list[str]:
    # Printed as Rich markup, "[/]" closed a tag never opened: a traceback, exit 1.
    add = w.run("clients", "add", MARKUP_CLIENT, "--name", MARKUP_NAME, "--no-invite")
    show = w.run("clients", "show", MARKUP_CLIENT)
    listed = w.run("clients", "list")
    return [
        f"markup name: clients {what}: exit {done.returncode}: {done.stderr[-300:]}"
        for what, done in (("add", add), ("show", show), ("list", listed))
        if done.returncode != 0 or MARKUP_NAME not in done.stdout or "Traceback" in done.stderr
    ]


def _check_cycle(w: World) -> list[str]:
    # SUB_MANAGER manages the MCC; the MCC inviting SUB_MANAGER would close a loop.
    w.run("--mcc", SUB_MANAGER, "clients", "add", MCC, "--name", "Agência", check=0)
    w.run("emulator", "respond", MCC, "--accept", "--manager", SUB_MANAGER, check=0)
    done = w.run("clients", "add", SUB_MANAGER, "--name", "Filial Sul")
    text = " ".join(done.stderr.split())
    state = w.snapshot()
    client: dict[str, Any] = next(
        (c for c in state["clients"] if c["customer_id"] == SUB_MANAGER), {}
    )
    failed = [h for h in state["history"] if h["customer_id"] == SUB_MANAGER]
    sent = [k for k in state["google"] if k["manager"] == MCC and k["client"] == SUB_MANAGER]
    checks = {
        "exit 1": done.returncode == 1,
        "message names the cycle": "CYCLE_NOT_ALLOWED" in text and "cycle" in text,
        "status NOT_LINKED with the error": client.get("status") == "NOT_LINKED"
        and (client.get("last_error") or {}).get("code") == "ManagerLinkError.CYCLE_NOT_ALLOWED",
        "a FAILED INVITE in history": any(
            h["operation"] == "INVITE" and h["outcome"] == "FAILED" for h in failed
        ),
        "no invitation sent": not sent,
    }
    return [f"cycle: not {name} [{text[:300]}]" for name, ok in checks.items() if not ok]


def run(trials: int, store: str) -> TrialSummary:
    """Run the whole table (and the accepted inputs) ``trials`` times on ``store``."""
    outcomes, passed_cases, big = [], 0, 0.0
    for seed in range(trials):
        with world(store) as w:
            problems = [p for case in CASES for p in check_case(w, case)]
            problems += check_accepted(w)
            big = max(big, max(v for k, v in w.seconds.items() if k.startswith("csv 10,000")))
        failed = {p.split(":", 1)[0] for p in problems}
        passed_cases = len(CASES) - len(failed & {c.name for c in CASES})
        outcomes.append(TrialOutcome(seed, tuple(problems)))
    return summarize(
        outcomes,
        f"{passed_cases}/{len(CASES)} cases exit 2, clear, nothing changed; "
        f"10,000-row CSV refused in {big:.1f} s",
    )


FAULT = Fault(
    name="Bad input",
    checked=f"{len(CASES)} bad inputs (ids, MCC itself, field limits and control characters, "
    "invisible format characters, CSVs incl. 10,000 rows, ambiguous headers, a 100 KB field, "
    "a 200,000-character field, a file over 16 MiB, a device as the path, three problems in a "
    "row and an attribute differing from the stored client, malformed e-mails, filters, "
    "unknown clients, --json errors, archiving a live link, accounts create, store URLs and "
    "files (a file as a directory, /proc), env incl. MCCLINK_ACTOR, settings problems "
    "together, web token and hosts, webhook secret, missing extras, google-ads.yaml (incl. a "
    "device), scenario, mail settings (never echoing MCC_MAIL_URL's password), "
    "reminder and alert settings, remind preview, the period report, links hide/unhide/move, "
    "hierarchy, stats --all, monitor --all, staff settings, users and tokens (the last "
    "admin, a role above the owner's, a token owner with an escape sequence, a whole token "
    "never echoed), nobody could sign in): exit 2, message names problem and fix, store (its "
    "staff too)/Google/files unchanged; BOM CSV, sub-manager and a Rich-markup name accepted, "
    "cycle refused (exit 1)",
    run=run,
)


@pytest.fixture(scope="module")
def sqlite_world() -> Iterator[World]:
    with world("sqlite") as w:
        yield w


@pytest.fixture(scope="module")
def dynamodb_world(moto_endpoint: str) -> Iterator[World]:
    with world("dynamodb") as w:
        yield w


@pytest.mark.parametrize("case", SQLITE_FAST, ids=lambda c: c.name)
def test_bad_input_exits_2_with_a_clear_message_and_changes_nothing_on_sqlite(
    sqlite_world: World, case: Case
) -> None:
    assert check_case(sqlite_world, case) == []


@pytest.mark.dynamodb
@pytest.mark.parametrize("case", DYNAMODB_FAST, ids=lambda c: c.name)
def test_bad_input_exits_2_with_a_clear_message_and_changes_nothing_on_dynamodb(
    dynamodb_world: World, case: Case
) -> None:
    assert check_case(dynamodb_world, case) == []


def test_bom_csv_imports_sub_manager_invites_and_a_cycle_is_refused_by_google(
    sqlite_world: World,
) -> None:
    assert check_accepted(sqlite_world) == []


def test_the_store_url_typos_found_by_this_table_stay_refused() -> None:
    from mcclink.errors import InvalidStoreUrl
    from mcclink.store.urls import SqliteUrl, parse_store_url

    for typo in ("sqlite:/x.db", "sqlite:x.db", "sqlite://host/x.db"):
        with pytest.raises(InvalidStoreUrl, match="absolute file path"):
            parse_store_url(typo)
    assert parse_store_url("sqlite:///tmp/x.db") == SqliteUrl(Path("/tmp/x.db"))
