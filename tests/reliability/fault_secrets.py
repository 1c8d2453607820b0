"""Secrets never leak, and what mcclink writes is owner-only.

Every ``mcclink`` command (the Typer tree is walked, so a new command without a plan here
fails the test) runs with ``--verbose`` against an emulator that accepts distinctive fake
secrets (its scenario's ``oauth``, and the onboarding client's in ``oauth_clients``), plus
failing paths: a wrong refresh token, an unreachable endpoint, Google refusals, debug mode.
``mcclink web`` answers the API, and an advertiser onboards through a link
(``secrets_onboarding``): the authorization code, the link's secret part and anything shaped
like an access token or an ID token join the secrets. Mail goes to a real SMTP server that
offers AUTH (``strict_smtp``): a reminder and ``mail test`` log in with the password inside
``MCC_MAIL_URL`` and are delivered; a wrong password and an unreachable server are refused.
Staff (``secrets_staff``): ``tokens create`` prints a personal API token once, by design; the
token is learned from that output (the only one where it may stand), then used as a bearer
against ``mcclink web`` (accepted; revoked and expired ones refused), listed and revoked; a
staff member signs in with Google and out again. The tokens, the session cookie's value and
the staff's OAuth client secret join the secrets: only a token's prefix ``mcl_<id>`` may
appear.
No secret may appear in stdout, stderr, a page, a message sent, any file written under the
run's HOME / XDG / TMPDIR (the SQLite store's raw bytes and its -wal included) or, for
DynamoDB, any item of its tables (scanned here, in the test). The emulator's own client
files (``emulator serve`` writes its credentials there on purpose, for ``google-ads``
programs) are checked for permissions only.

Permissions: the store's files (db, -wal, -shm) and the emulator's certificate and key are
0600 in 0700 directories, and so is every other file mcclink leaves under HOME or TMPDIR.
"""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer.main

from mcclink.cli import app
from mcclink.emulator.client_files import CREDENTIALS_JSON, GOOGLE_ADS_YAML
from mcclink.files import make_private_dirs
from tests.e2e.conftest import MCCLINK, Served, clean_env, serve_emulator
from tests.fixtures.smtp import StrictServer, strict_smtp
from tests.fixtures.webhook_receiver import closed_port
from tests.reliability import secrets_onboarding as onboarding
from tests.reliability import secrets_staff as staff
from tests.reliability.runner import Fault, TrialOutcome, TrialSummary, drop_tables, summarize

FULL_TRIALS = 1
CLIENT_SECRET = "csecret-R3-7f3a9c2e"
REFRESH_TOKEN = "rtoken-R3-51b2e8d4"
DEVELOPER_TOKEN = "devtoken-R3-c4d6a1f0"
WRONG_TOKEN = "rtoken-WRONG-0e9d8c7b"
WEBHOOK_SECRET = "whsecret-R3-2b9e4f7a1c"
#: A token in the receiver's URL path: mcclink names a receiver by scheme, host and port only.
URL_TOKEN = "urltoken-R3-6d1f0a3e"
API_TOKEN = "apitoken-R3-9c8e7d6f5a4b3c2d1e0f9a8b"
#: The mail server's login, in MCC_MAIL_URL (smtp://user:PASSWORD@host:port), and a wrong one.
MAIL_USER, MAIL_PASSWORD = "ads-sender", "mailpass-R3-8e1d2c3b"
WRONG_MAIL_PASSWORD = "mailpass-WRONG-4f5a6b7c"
SECRETS = (
    CLIENT_SECRET,
    REFRESH_TOKEN,
    DEVELOPER_TOKEN,
    WRONG_TOKEN,
    WEBHOOK_SECRET,
    URL_TOKEN,
    API_TOKEN,
    onboarding.ONBOARDING_SECRET,
    MAIL_PASSWORD,
    WRONG_MAIL_PASSWORD,
    staff.STAFF_SECRET,
)
MCC, FULL, GHOST = "1234567890", "5556667777", "9990001111"
#: A sub-manager under the MCC (a tree for ``hierarchy``; ``links move`` moves D there).
SUB = "7770001111"
#: Registered through the API with the personal token ``ci`` (no invitation).
BY_TOKEN = "8889990000"
A, B, C, D = "1112223333", "2223334444", "3334445555", "4445556666"
SCENARIO: dict[str, Any] = {
    "managers": [
        {"id": MCC, "name": "Agência Demo"},
        {"id": SUB, "name": "Filial Sul", "managed_by": MCC},
    ],
    "clients": [
        {"id": A, "name": "Padaria Sol"},
        {"id": B, "name": "Açaí & Cia"},
        {"id": C, "name": "Oficina do Zé"},
        {"id": D, "name": "Farmácia"},
        {"id": FULL, "name": "Pet Shop", "existing_managers": 5},
    ],
    "oauth": {"client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN},
}


def scenario(web_port: int) -> dict[str, Any]:
    """``SCENARIO`` with the advertiser who onboards through ``mcclink web`` on ``web_port``
    and the staff member who signs in there."""
    merged = {**SCENARIO}
    for extra in (onboarding.scenario(web_port), staff.scenario(web_port)):
        for section, items in extra.items():
            merged[section] = [*merged.get(section, []), *items]
    return merged


_WRONG = {"GOOGLE_ADS_REFRESH_TOKEN": WRONG_TOKEN}
_UNREACHABLE = {"GOOGLE_ADS_ENDPOINT": "localhost:1"}
#: A receiver nobody listens on: every delivery attempt fails and is recorded.
_WEBHOOK = {
    "MCC_WEBHOOK_URL": f"http://127.0.0.1:1/hooks/{URL_TOKEN}",
    "MCC_WEBHOOK_SECRET": WEBHOOK_SECRET,
}

#: Mail through the run's SMTP server, which offers AUTH and takes only ``MAIL_PASSWORD``
#: (``{smtp}``: its host:port); reminders are due 1 s after the invitation.
_MAIL = {
    "MCC_MAIL_URL": f"smtp://{MAIL_USER}:{MAIL_PASSWORD}@{{smtp}}",
    "MCC_MAIL_FROM": "ads@agencia.example",
    "MCC_REMIND_AT": "1s",
}
_WRONG_MAIL = {**_MAIL, "MCC_MAIL_URL": f"smtp://{MAIL_USER}:{WRONG_MAIL_PASSWORD}@{{smtp}}"}
_NO_MAIL_SERVER = {**_MAIL, "MCC_MAIL_URL": f"smtp://{MAIL_USER}:{MAIL_PASSWORD}@127.0.0.1:1"}
_TO = ("--to", "ana@example.com")
#: The report's period: this month (in UTC, the report's zone here), whose history the runs make.
_UTC = {"MCC_TIMEZONE": "UTC"}
_MONTH = f"{datetime.now(UTC):%Y-%m}"
#: A placeholder for a token learned earlier in the run: ``{token1}``, ``{prefix0}``.
_LEARNED = re.compile(r"\{(token|prefix)(\d)\}")

Plan = dict[tuple[str, ...], list[tuple[tuple[str, ...], dict[str, str]]]]

#: Each command's runs, in order (later ones rely on earlier ones): (arguments, extra env).
PLAN: Plan = {
    ("doctor",): [((), {}), ((), _WRONG)],
    ("tables", "create"): [((), {})],
    ("clients", "add"): [
        ((A, "--name", "Padaria Sol", "--email", "padaria@example.com"), {}),
        ((FULL, "--name", "Pet Shop"), {}),  # Google refuses: too many managers
        ((GHOST, "--name", "Fantasma"), {}),  # Google: no such account
        ((B, "--name", "Açaí & Cia"), _WRONG),
    ],
    ("clients", "import"): [(("clients.csv", "--invite"), {})],
    ("clients", "list"): [((), {}), (("--json",), {})],
    ("clients", "show"): [((A, "--json"), {})],
    ("onboard", "link"): [((), {}), ((A, "--expires", "2d", "--json"), {}), ((GHOST,), {})],
    ("onboard", "list"): [((), {}), (("--json",), {})],
    ("onboard", "revoke"): [(("A" * 16,), {})],  # unknown; ``check_web_serve`` revokes one
    ("links", "invite"): [
        ((B,), {}),
        ((FULL,), _UNREACHABLE),  # retried to the end of the budget, then recorded
        ((FULL,), {"MCCLINK_DEBUG": "1", **_WRONG}),
    ],
    ("links", "status"): [((A,), {}), ((A,), _WRONG)],
    ("links", "list"): [((), {}), ((), _WRONG)],
    # A's invitation is pending and its first reminder due: one is mailed (and logged in)
    ("remind",): [(("--json",), _MAIL)],
    ("remind", "preview"): [((A,), _MAIL)],
    ("mail", "test"): [(_TO, _MAIL), (_TO, _WRONG_MAIL), (_TO, _NO_MAIL_SERVER)],
    ("emulator", "respond"): [((A, "--accept"), {}), ((D, "--accept"), {})],
    ("monitor",): [(("--once",), _WEBHOOK), (("--once", "--json"), _WRONG),
                   (("--all", "--once"), {})],
    ("hierarchy",): [((), {}), (("--json",), {}), ((), _WRONG)],
    ("links", "hide"): [((D,), _WRONG), ((D,), {})],
    ("links", "unhide"): [((D, "--json"), {})],
    ("links", "move"): [((D, "--to", SUB), _WRONG), ((D, "--to", SUB), {})],
    ("links", "unlink"): [((A,), {})],
    ("links", "cancel"): [((C,), {}), ((B,), _WRONG)],
    ("links", "respond"): [((B, "--refuse"), {})],
    ("accounts", "create"): [
        (("--name", "Nova", "--currency", "BRL", "--time-zone", "America/Sao_Paulo"), {}),
    ],
    ("clients", "archive"): [((C,), {})],
    ("users", "add"): [((staff.ADMIN, "--role", "admin", "--name", "Ana"), {}),
                       ((staff.VIEWER, "--role", "viewer"), {})],
    ("users", "list"): [((), {}), (("--json",), {})],
    ("users", "set-role"): [((staff.VIEWER, "--role", "operator"), {})],
    ("users", "sign-out"): [((staff.VIEWER,), {})],
    ("users", "remove"): [((staff.VIEWER, "--yes"), {})],
    # Each token is learned from this, its one showing (``Run.run``): ci acts in
    # ``check_web_serve``; gone is revoked by the whole token, then by its prefix; brief has
    # expired by then. ``{tokenN}`` / ``{prefixN}``: the N-th token learned, its prefix.
    ("tokens", "create"): [
        (("--name", "ci", "--role", "operator", "--expires", "90d"), {}),
        (("--name", "gone", "--role", "viewer", "--owner", staff.ADMIN, "--json"), {}),
        (("--name", "brief", "--role", "viewer", "--expires", "1s"), {}),
    ],
    ("tokens", "revoke"): [(("{token1}",), {}), (("{prefix1}", "--json"), {})],
    ("tokens", "list"): [(("--all",), {}), (("--all", "--json"), {})],
    ("report",): [(("--period", _MONTH, "-o", "report.html"), _UTC),
                  (("--period", _MONTH, "--format", "json"), _UTC)],
    ("stats",): [((), {}), (("--json",), {}), (("--all", "--json"), {})],
    ("alerts",): [((), {}), (("--json",), _MAIL)],
    ("history",): [(("--json",), {}), ((A,), {})],
    ("webhooks", "deliver"): [(("--json",), _WEBHOOK)],
    ("webhooks", "status"): [(("--json",), {}), ((), {})],
    ("demo",): [((), {})],
    ("emulator", "serve"): [],  # long-running: ``check_emulator_serve``
    ("web",): [],  # long-running: ``check_web_serve``
}  # fmt: skip


def command_paths() -> list[tuple[str, ...]]:
    """Every leaf command of the ``mcclink`` Typer app, as its words."""

    def walk(command: object, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        subcommands = getattr(command, "commands", None)
        if not subcommands:
            yield path
            return
        for name, sub in subcommands.items():
            yield from walk(sub, (*path, name))

    return sorted(walk(typer.main.get_command(app), ()))


class Run:
    """A home directory, an emulator that knows ``SECRETS``, and a store; runs ``mcclink``."""

    def __init__(self, store: str, home: Path, smtp: StrictServer) -> None:
        self.home, self.store, self.smtp = home, store, smtp
        self.web_port = closed_port()  # free: ``check_web_serve`` serves there
        self.served: Served = serve_emulator(home / "emulator", scenario(self.web_port))
        self.tables_prefix = f"r3s{uuid.uuid4().hex[:8]}-"
        self.url = url = (
            f"sqlite:///{home / 'data' / 'store' / 'mcclink.db'}"
            if store == "sqlite"
            else f"dynamodb://?region=us-east-1&prefix={self.tables_prefix}"
        )
        if store == "sqlite":  # mcclink makes only the default store's directory
            make_private_dirs(home / "data" / "store")
        (home / "tmp").mkdir(mode=0o700)
        self.env = {
            **clean_env(home),
            **self.served.env,
            "GOOGLE_ADS_DEVELOPER_TOKEN": DEVELOPER_TOKEN,
            "MCC_STORE": url,
            "TMPDIR": str(home / "tmp"),
            **onboarding.environment(self.web_port),
        }
        (home / "clients.csv").write_text(f"customer_id,name\n{C},Oficina\n{D},Farmácia\n")
        self.outputs: list[tuple[str, str]] = []
        #: Secrets learned on the way (a sign-in's code, a link's secret part, a token).
        self.learned: list[str] = []
        #: The personal API tokens ``tokens create`` printed, in order.
        self.tokens: list[str] = []

    def run(self, args: tuple[str, ...], env: dict[str, str]) -> None:
        """Run ``mcclink --verbose ARGS`` (``{tokenN}`` / ``{prefixN}`` filled in) and keep
        what it printed; a token ``tokens create`` printed is learned, not kept."""
        at = f"{self.smtp.host}:{self.smtp.port}"
        done = subprocess.run(
            [MCCLINK, "--verbose", *(_LEARNED.sub(self._learned, a) for a in args)],
            capture_output=True,
            text=True,
            env={**self.env, **{k: v.replace("{smtp}", at) for k, v in env.items()}},
            cwd=self.home,
            timeout=120,
        )
        printed = done.stdout + done.stderr
        if args[:2] == ("tokens", "create"):
            token, printed = staff.learn(done)
            self.tokens.append(token)
            self.learned.append(token)
        self.outputs.append((" ".join(args), printed))

    def _learned(self, placeholder: re.Match[str]) -> str:
        token = self.tokens[int(placeholder[2])]
        return token if placeholder[1] == "token" else token.rsplit("_", 1)[0]

    def written_files(self) -> Iterator[Path]:
        """Every file under the home that mcclink may have written (not the test's own)."""
        ours = {self.home / "clients.csv", self.home / "emulator" / "scenario.json"}
        return (
            p
            for p in self.home.rglob("*")
            if p.is_file() and p not in ours and not _emulator_client_file(p)
        )

    def secrets(self) -> tuple[str, ...]:
        """The known secrets and those learned so far."""
        return (*SECRETS, *self.learned)

    def dynamodb_items(self) -> str:
        """Every item of this run's DynamoDB tables, as text (a scan: test-only)."""
        import boto3

        client = boto3.client("dynamodb", region_name="us-east-1")
        tables = client.list_tables()["TableNames"]
        mine = [t for t in tables if t.startswith(self.tables_prefix)]
        return "\n".join(str(client.scan(TableName=t)["Items"]) for t in mine)

    def close(self) -> None:
        """Stop the emulator and drop the tables of a DynamoDB store."""
        self.served.process.terminate()
        self.served.process.wait(timeout=10)
        if self.store == "dynamodb":
            drop_tables(self.url)


@contextmanager
def secret_run(store: str) -> Iterator[Run]:
    """A ``Run`` in a temporary home, stopped afterwards."""
    with (
        tempfile.TemporaryDirectory(prefix="mcclink-secrets-") as directory,
        strict_smtp(user=MAIL_USER, password=MAIL_PASSWORD) as smtp,
    ):
        home = Path(directory)
        (home / "emulator").mkdir()
        made = Run(store, home, smtp)
        try:
            yield made
        finally:
            made.close()


def check_emulator_serve(run: Run) -> None:
    """``emulator serve`` (default scenario) must not echo the user's own secrets."""
    process = subprocess.Popen(
        [MCCLINK, "--verbose", "emulator", "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=run.env,
        cwd=run.home,
    )
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(12)]
    process.terminate()
    process.wait(timeout=10)
    run.outputs.append(("emulator serve", "".join(lines)))


def check_web_serve(run: Run, staffed: bool) -> None:
    """``web``: its output and its answers (API, pages, refusals, an advertiser's onboarding
    from the link to the result) must not echo a secret. The first personal token learned
    reads the API; ``staffed`` (the whole ``PLAN``: users and three tokens exist) adds the
    revoked and the expired token (refused), a client registered with the first one (then
    ``history`` names it), and a staff member's Google sign-in."""
    port = run.web_port
    process = subprocess.Popen(
        [MCCLINK, "--verbose", "web", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**run.env, "MCC_API_TOKEN": API_TOKEN, **staff.ENVIRONMENT},
        cwd=run.home,
    )
    assert process.stdout is not None
    base = f"http://127.0.0.1:{port}"
    answers = [process.stdout.readline()]
    _wait_for_port(port)
    gets = [("/api/v1/clients", API_TOKEN), ("/api/v1/stats", API_TOKEN),
            ("/api/v1/clients", WRONG_TOKEN), ("/login", None),
            ("/api/v1/clients", run.tokens[0])]  # fmt: skip
    expected = ["200", "200", "401", "200", "200"]
    if staffed:  # the revoked token, the expired one
        gets += [("/api/v1/stats", run.tokens[1]), ("/api/v1/stats", run.tokens[2])]
        expected += ["401", "401"]
    for path, token in gets:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answers.append(_http_get(base + path, headers))
    if staffed:
        answers.append(_register_by_token(base, run.tokens[0]))
        expected.append("201")
        signed = staff.sign_in(base)
        run.learned += signed.secrets
        run.outputs += [("web: staff page", page) for page in signed.answers]
        # Google, the callback, home, the tokens page, signing out, the ended session.
        assert signed.statuses == [303, 200, 200, 200, 303, 303], signed.answers
    walked = onboarding.through_a_new_link(run, base)
    process.terminate()
    answers.append(process.communicate(timeout=10)[0])
    run.outputs.append(("web", "\n".join(answers)))
    run.outputs += [("web: onboarding page", page) for page in walked.answers]
    statuses = [answer.split(" ", 1)[0] for answer in answers[1 : len(expected) + 1]]
    assert statuses == expected, answers
    # The link's page, the redirect to Google, the choice, the result, the replayed code
    # (refused) and the revoked link: the walk really went the whole way.
    assert walked.statuses == [200, 303, 200, 200, 400, 410], walked.answers
    assert "now manages this account" in walked.answers[3], walked.answers[3]
    if staffed:  # the token's write is in history, named by the token's name
        run.run(("history", BY_TOKEN, "--json"), {})
        assert '"actor": "token:ci (cli' in run.outputs[-1][1], run.outputs[-1][1]


def _register_by_token(base: str, token: str) -> str:
    """``POST /api/v1/clients`` (``BY_TOKEN``, no invitation) with ``token``: the answer."""
    body = json.dumps({"customer_id": BY_TOKEN, "name": "Cliente da API", "invite": False})
    request = urllib.request.Request(
        base + "/api/v1/clients",
        data=body.encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    return _answer(request)


def _emulator_client_file(path: Path) -> bool:
    """One of the files ``emulator serve`` writes for ``google-ads`` programs: they hold its
    credentials by design (0600, checked by ``loose_permissions``)."""
    return path.parent.name == "emulator" and path.name in (CREDENTIALS_JSON, GOOGLE_ADS_YAML)


def _wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _http_get(url: str, headers: dict[str, str]) -> str:
    return _answer(urllib.request.Request(url, headers=headers))


def _answer(request: urllib.request.Request) -> str:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return f"{response.status} {dict(response.headers)} {response.read().decode()}"
    except urllib.error.HTTPError as refused:
        return f"{refused.code} {dict(refused.headers)} {refused.read().decode()}"


def leaks(run: Run) -> list[str]:
    """Where any secret appears: output of a command, a page, a file, a DynamoDB item."""
    secrets = run.secrets()
    found = [
        f"`{cmd}` printed a secret"
        for cmd, text in run.outputs
        if any(s in text for s in secrets) or onboarding.TOKEN_SHAPES.search(text)
    ]
    shapes = re.compile(onboarding.TOKEN_SHAPES.pattern.encode())
    for path in run.written_files():
        data = path.read_bytes()
        if any(s.encode() in data for s in secrets) or shapes.search(data):
            found.append(f"{path.relative_to(run.home)} holds a secret")
    mailed = "\n".join(m.as_string() for m in run.smtp.messages)
    if any(s in mailed for s in secrets):
        found.append("a message sent holds a secret")
    if run.store == "dynamodb":
        items = run.dynamodb_items()
        if any(s in items for s in secrets) or onboarding.TOKEN_SHAPES.search(items):
            found.append("a DynamoDB item holds a secret")
    return found


def loose_permissions(run: Run) -> list[str]:
    """Files not 0600 / directories not 0700 among what mcclink wrote under the home."""
    found = []
    roots = [run.home / "data", run.home / "tmp", run.home / "emulator" / "data"]
    for root in (r for r in roots if r.exists()):
        for path in [root, *root.rglob("*")]:
            mode = stat.S_IMODE(path.stat().st_mode)
            wanted = 0o700 if path.is_dir() else 0o600
            if mode & ~wanted & 0o077:
                found.append(f"{path.relative_to(run.home)} is {mode:o}, wanted {wanted:o}")
    return found


#: ``make test``'s share: each command's first run; every `clients add` (refusals, wrong token).
#: (``check_web_serve`` revokes a real link with ``onboard revoke``: the unknown id can wait.)
#: Of the staff's commands only one `tokens create`, whose token ``check_web_serve`` sends.
_FAST_RUNS: dict[tuple[str, ...], int] = {
    ("clients", "add"): 4,
    ("onboard", "revoke"): 0,
    ("mail", "test"): 2,  # delivered, then the wrong password
    **dict.fromkeys([("users", c) for c in ("add", "list", "set-role", "sign-out", "remove")], 0),
    ("tokens", "revoke"): 0,
    ("tokens", "list"): 0,
    ("report",): 0,
}
#: On DynamoDB, only the commands that write the store.
DYNAMODB_FAST = {("tables", "create"), ("clients", "add"), ("clients", "import"),
                 ("links", "invite"), ("onboard", "link"), ("monitor",), ("history",),
                 ("remind",), ("tokens", "create")}  # fmt: skip


def fast_plan(paths: Iterable[tuple[str, ...]]) -> Plan:
    """The fast share of ``PLAN`` for these commands."""
    return {p: PLAN[p][: _FAST_RUNS.get(p, 1)] for p in PLAN if p in set(paths)}


def run_every_command(run: Run, plan: Plan) -> list[str]:
    """Run ``plan`` (and ``emulator serve`` when it is the whole ``PLAN``); the commands
    ``PLAN`` forgot."""
    missing = [" ".join(p) for p in command_paths() if p not in PLAN]
    for path, runs in plan.items():
        if path == ("tables", "create") and run.store != "dynamodb":
            continue
        for args, env in runs:
            run.run((*path, *args), env)
    if plan is PLAN:
        check_emulator_serve(run)
    if ("web",) in plan:
        check_web_serve(run, staffed=plan is PLAN)
    return [f"no plan for `mcclink {m}`" for m in missing]


def trial(store: str, plan: Plan = PLAN) -> list[str]:
    """One pass of ``plan``, then the leak, permission and mail checks."""
    with secret_run(store) as run:
        problems = run_every_command(run, plan)
        problems += leaks(run)
        problems += loose_permissions(run)
        problems += mail_went_through(run, plan)
    return problems


def mail_went_through(run: Run, plan: Plan) -> list[str]:
    """The mail runs really reached the server: the reminder and the test message were
    delivered after a login (the wrong password was tried too, and delivered nothing)."""
    expected = sorted(
        [*(["padaria@example.com"] if ("remind",) in plan else []),
         *(["ana@example.com"] if ("mail", "test") in plan else [])]
    )  # fmt: skip
    delivered = sorted(str(m["To"]) for m in run.smtp.messages)
    problems = [f"delivered to {delivered}, expected {expected}"] * (delivered != expected)
    tries = len(expected) + (len(plan.get(("mail", "test"), [])) > 1)
    if len(run.smtp.logins) < tries or set(run.smtp.logins) - {MAIL_USER}:
        problems.append(f"logins {run.smtp.logins}: expected {tries} or more as {MAIL_USER}")
    return problems


def run(trials: int, store: str) -> TrialSummary:
    """``trials`` full passes on ``store``."""
    outcomes = [TrialOutcome(seed, tuple(trial(store))) for seed in range(trials)]
    runs = sum(len(r) for r in PLAN.values()) + 1
    figures = f"{len(command_paths())} commands, {runs} runs, {len(SECRETS)} secrets"
    return summarize(outcomes, figures)


FAULT = Fault(
    name="Secrets and permissions",
    checked="every command (Typer tree) with --verbose, wrong token, unreachable endpoint, "
    "Google refusals; an advertiser onboarding through `mcclink web`; a reminder and a test "
    "mail delivered with the password in MCC_MAIL_URL, a wrong password, no mail server; "
    "personal API tokens made (learned from their one showing), used as bearer (a revoked and "
    "an expired one refused), listed, revoked; a staff Google sign-in and sign-out: no secret "
    "(nor the sign-in's code, access or ID token, nor the link's secret, nor the mail "
    "password, nor a token beyond its mcl_<id> prefix, nor the session cookie, nor the staff "
    "client secret) in stdout/stderr/pages/server log/mails/files/store; store, cert, key, "
    "temp files 0600 in 0700 dirs",
    run=run,
)


def test_every_command_has_a_plan() -> None:
    assert [p for p in command_paths() if p not in PLAN] == []


def test_no_secret_leaks_and_files_are_owner_only_on_sqlite() -> None:
    assert trial("sqlite", fast_plan(PLAN)) == []


@pytest.mark.dynamodb
def test_no_secret_leaks_and_files_are_owner_only_on_dynamodb(moto_endpoint: str) -> None:
    assert trial("dynamodb", fast_plan(DYNAMODB_FAST)) == []


def test_the_emulator_accepts_a_scenarios_own_credentials() -> None:
    from mcclink.emulator import Scenario
    from mcclink.emulator.grants import OAuthError
    from mcclink.emulator.oauth import TokenIssuer

    scenario = Scenario.from_dict(SCENARIO)
    issuer = TokenIssuer(client_secret=scenario.oauth.client_secret)
    issuer.refresh_token = scenario.oauth.refresh_token
    form = {"grant_type": "refresh_token", "client_id": "mcclink-emulator.apps.local"}
    assert issuer.grant({**form, "client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN})
    with pytest.raises(OAuthError):
        issuer.grant({**form, "client_secret": CLIENT_SECRET, "refresh_token": WRONG_TOKEN})


def test_sqlite_store_files_are_owner_only_while_open(tmp_path: Path) -> None:
    from mcclink.domain import Client, CustomerId
    from mcclink.store.sqlite import SqliteStore

    path = tmp_path / "new" / "dirs" / "mcclink.db"
    previous = os.umask(0o022)
    try:
        store = SqliteStore(path, create_directory=True)
        store.create_client(Client(customer_id=CustomerId(A), mcc_customer_id=CustomerId(MCC),
                                   name="Padaria Sol"))  # fmt: skip
        files = [path, path.with_name("mcclink.db-wal"), path.with_name("mcclink.db-shm")]
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files}
        store.close()
    finally:
        os.umask(previous)
    dirs = {d.name: stat.S_IMODE(d.stat().st_mode) for d in (path.parent, path.parent.parent)}
    assert modes == dict.fromkeys(modes, 0o600)
    assert dirs == {"dirs": 0o700, "new": 0o700}
