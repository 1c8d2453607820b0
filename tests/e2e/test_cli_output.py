"""The CLI's output, as a user sees it in a terminal or a script (#14 items 10, 23, 24, 25):
data printed as written, tables readable at 80 columns, errors as JSON with ``--json``, and
the smaller things: the real port of ``web --port 0``, a working ``emulator serve`` example,
``-v``, help without ``<bool>``, examples on every group, history of an unknown client, a CSV
with no rows."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from tests.e2e.conftest import MCCLINK, Cli, clean_env

PADARIA, OFICINA, GHOST = "1112223333", "3334445555", "9876543210"
MARKUP = "Acme [/] Ltd [link=https://evil.example]clique[/link]"


def test_names_that_look_like_markup_print_as_written(sqlite_cli: Cli, home: Path) -> None:
    sqlite_cli("clients", "add", PADARIA, "--name", MARKUP, "--no-invite")
    csv = home / "clientes.csv"
    csv.write_text(f"customer_id,name\n{OFICINA},Oficina [/] do Zé\n12-34,[bold]Ruim[/]\n")

    shown = sqlite_cli("clients", "show", PADARIA)
    imported = sqlite_cli("clients", "import", str(csv), "--skip-invalid")
    listed = sqlite_cli("clients", "list")
    history = sqlite_cli("history", PADARIA)

    assert shown.stdout.count("Acme [/] Ltd") == 2  # the title and the row
    assert "[link=https://evil.example]clique[/link]" in shown.stdout
    assert "imported 1" in imported.stdout
    assert "line 3" in imported.stderr
    assert "Oficina [/] do Zé" in listed.stdout
    assert "REGISTER" in history.stdout
    for done in (shown, imported, listed, history):
        assert "Traceback" not in done.stderr


def test_clients_list_searches_names_without_accents(sqlite_cli: Cli) -> None:
    sqlite_cli("clients", "add", PADARIA, "--name", "Açaí & Cia", "--no-invite")
    sqlite_cli("clients", "add", OFICINA, "--name", "Oficina do Zé", "--no-invite")

    found = sqlite_cli.json("clients", "list", "--search", "acai")

    assert [c["customer_id"] for c in found] == [PADARIA]
    assert "Oficina do Zé" in sqlite_cli("clients", "list", "--search", "ze").stdout


def test_tables_stay_readable_at_80_columns(sqlite_cli: Cli) -> None:
    narrow = Cli(Path(sqlite_cli.env["HOME"]), {**sqlite_cli.env, "COLUMNS": "80"})
    narrow("clients", "add", GHOST, "--name", "Empresa Fantasma de Todos os Santos", check=1)
    code = narrow.json("clients", "show", GHOST)["last_error"]["code"].rsplit(".", 1)[-1]

    for args in (("history",), ("history", GHOST), ("clients", "show", GHOST), ("clients", "list")):
        printed = narrow(*args).stdout
        assert code in printed, args
        assert args[0] != "history" or re.search(r"20\d\d-\d\d-\d\d", printed), args
        assert max(len(line) for line in printed.splitlines()) <= 80, args
        assert len(printed.splitlines()) <= 20, (args, printed)


def test_with_json_a_failing_command_prints_its_error_as_json(sqlite_cli: Cli) -> None:
    for args, code in (
        (("clients", "show", GHOST), "ClientNotFound"),
        (("links", "status", "12-34"), "InvalidCustomerId"),
        (("links", "respond", PADARIA), "UsageError"),
        (("clients", "list", "--status", "ACCEPTED"), "InvalidStatus"),
    ):
        done = sqlite_cli(*args, "--json", check=2)
        error = json.loads(done.stdout)["error"]
        assert error["code"] == code, args
        assert error["message"], args
        assert error["fix"], args
        assert "error" in done.stderr.lower(), args
    assert json.loads(sqlite_cli("--json", "history", GHOST, check=2).stdout)["error"]


def test_history_of_an_unknown_client_is_not_found_but_an_archived_one_keeps_it(
    sqlite_cli: Cli,
) -> None:
    unknown = sqlite_cli("history", GHOST, check=2)
    assert "987-654-3210" in unknown.stderr or GHOST in unknown.stderr
    assert "mcclink clients add" in unknown.stderr

    sqlite_cli("clients", "add", PADARIA, "--name", "Padaria", "--no-invite")
    sqlite_cli("clients", "archive", PADARIA)
    kept = sqlite_cli.json("history", PADARIA)
    assert [h["operation"] for h in kept] == ["ARCHIVE", "REGISTER"]


def test_onboarding_links_of_an_unknown_client_are_not_found(sqlite_cli: Cli) -> None:
    unknown = sqlite_cli("onboard", "list", GHOST, "--json", check=2)

    assert json.loads(unknown.stdout)["error"]["code"] == "ClientNotFound"
    sqlite_cli("clients", "add", PADARIA, "--name", "Padaria", "--no-invite")
    assert sqlite_cli.json("onboard", "list", PADARIA) == []


def test_a_csv_with_a_header_and_no_rows_is_refused(sqlite_cli: Cli, home: Path) -> None:
    csv = home / "vazio.csv"
    csv.write_text("customer_id,name,email\n\n")

    refused = sqlite_cli("clients", "import", str(csv), check=2)

    assert "has a header but no rows" in refused.stderr
    assert "nothing imported" in refused.stderr
    assert sqlite_cli.json("clients", "list") == []


def test_web_on_port_0_prints_the_port_it_listens_on(sqlite_cli: Cli) -> None:
    env = {**sqlite_cli.env, "MCC_API_TOKEN": "k7Qw2Zp9Lx4Vb8Nc1Md6Rf3Ts5Yh0Gj-web-port-0"}
    process = subprocess.Popen(
        [MCCLINK, "web", "--port", "0"], stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", line).group(1))  # type: ignore[union-attr]
        assert port != 0
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            answer = opener.open(f"http://127.0.0.1:{port}/", timeout=10)
            status = answer.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        assert status < 500
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def test_the_emulator_serve_help_example_loads_every_export(home: Path) -> None:
    env = clean_env(home)
    shown = subprocess.run(
        [MCCLINK, "emulator", "serve", "--help"], capture_output=True, text=True, env=env
    ).stdout
    example = shown.split("Example:", 1)[1].split("Options:", 1)[0]
    script = example.strip().replace("/tmp/emu.env", str(home / "emu.env"))
    env["PATH"] = f"{Path(MCCLINK).parent}:{env['PATH']}"

    done = subprocess.run(
        ["bash", "-c", f"{script}\nenv\nkill %1; wait"],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
        cwd=home,
    )

    exports = re.findall(r"^export (\w+)=", (home / "emu.env").read_text(), re.MULTILINE)
    assert len(exports) >= 9
    seen = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    assert [name for name in exports if name not in seen] == []


def test_verbose_shows_the_google_ads_requests_and_no_secret(sqlite_cli: Cli) -> None:
    quiet = sqlite_cli("links", "list")
    verbose = sqlite_cli("-v", "links", "list")

    assert quiet.stderr == ""
    assert "RequestId" in verbose.stderr or "request id" in verbose.stderr.lower()
    for secret in ("GOOGLE_ADS_CLIENT_SECRET", "GOOGLE_ADS_REFRESH_TOKEN"):
        assert sqlite_cli.env[secret] not in verbose.stderr


def test_help_shows_flags_without_a_type_and_every_group_has_an_example(home: Path) -> None:
    env = clean_env(home)
    groups: list[list[str]] = [[], ["clients"], ["links"], ["accounts"], ["tables"]]
    groups += [["emulator"], ["webhooks"], ["onboard"]]
    for group in groups:
        shown = subprocess.run(
            [MCCLINK, *group, "--help"], capture_output=True, text=True, env=env
        ).stdout
        assert "Example:" in shown, group
        assert "<bool>" not in shown, group
    add = subprocess.run(
        [MCCLINK, "clients", "add", "--help"], capture_output=True, text=True, env=env
    ).stdout
    assert "--invite / --no-invite" in add
    assert "<bool>" not in add
