"""Issue #14, items 16-18: the Host check, the token before any redirect, throttled failed
authentications, and a token that must look random.

Through the real app (the ASGI test client), and ``mcclink web`` in a subprocess for what
its options and environment decide.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mcclink.errors import ConfigurationError
from mcclink.web.hosts import LOOPBACK_HOSTS, allowed_hosts, host_name
from mcclink.web.security import AUTH_FAILURES, WebSettings, token_problem
from mcclink.web.throttle import AddressThrottle
from tests.e2e.conftest import MCCLINK, clean_env
from tests.fixtures.clock import Clock
from tests.web.conftest import TOKEN, csrf_token, free_port
from tests.web.test_serve import run_web

WRONG = {"Authorization": "Bearer wrong-token-wrong-token-wrong-token"}
RIGHT = {"Authorization": f"Bearer {TOKEN}"}


# -- item 16: the Host check, and the token before the trailing-slash redirect ---------------


def test_a_trailing_slash_under_the_api_is_401_without_the_token(client: TestClient) -> None:
    response = client.get("/api/v1/stats/", follow_redirects=False)

    assert response.status_code == 401
    assert "location" not in response.headers
    assert response.headers["content-type"] == "application/problem+json"


def test_with_the_token_the_trailing_slash_redirects_on_the_same_host(api: TestClient) -> None:
    response = api.get("/api/v1/stats/", follow_redirects=False)

    assert response.status_code == 307
    assert response.headers["location"] == "http://127.0.0.1/api/v1/stats"


@pytest.mark.parametrize(
    "path", ["/", "/login", "/clients/", "/api/v1/stats/", "/api/v1/stats", "/static/app.css"]
)
def test_a_request_naming_another_host_is_400_before_anything_else(
    client: TestClient, path: str
) -> None:
    response = client.get(
        path, headers={**RIGHT, "Host": "evil.example.com"}, follow_redirects=False
    )

    assert response.status_code == 400
    assert "evil.example.com" not in response.text
    assert "location" not in response.headers
    assert "MCC_ALLOWED_HOSTS" in response.text
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "LOCALHOST", "[::1]:8080", "localhost."])
def test_the_loopback_names_are_answered_with_any_port(client: TestClient, host: str) -> None:
    assert client.get("/login", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("ads.example.com", "ads.example.com"),
        ("Ads.Example.COM:443", "ads.example.com"),
        ("[2001:db8::1]:8443", "2001:db8::1"),
        ("[::1]", "::1"),
        ("10.0.0.5:80", "10.0.0.5"),
        ("ads.example.com:https", None),
        ("ads.example.com/evil", None),
        ("user@ads.example.com", None),
        ("", None),
    ],
)
def test_the_host_header_is_read_without_its_port(header: str, name: str | None) -> None:
    assert host_name(header) == name


def test_by_default_the_bound_address_and_the_public_urls_host_are_allowed() -> None:
    environ = {"MCC_PUBLIC_URL": "https://Ads.Example.com/"}

    assert allowed_hosts(environ, "127.0.0.1") == LOOPBACK_HOSTS | {"ads.example.com"}
    assert allowed_hosts(environ, "10.0.0.5") == {"10.0.0.5", "ads.example.com"}
    assert allowed_hosts({}, "0.0.0.0", ["crm.example.com"]) == {"crm.example.com"}
    assert allowed_hosts({"MCC_ALLOWED_HOSTS": "a.example.com, b.example.com"}, "::") == {
        "a.example.com",
        "b.example.com",
    }


def test_listening_on_every_address_needs_a_name() -> None:
    with pytest.raises(ConfigurationError, match=r"--allowed-host.*MCC_ALLOWED_HOSTS"):
        allowed_hosts({}, "0.0.0.0")


@pytest.mark.parametrize("bad", ["https://ads.example.com", "ads.example.com:443", "a b", "-x"])
def test_a_malformed_allowed_host_is_refused_naming_it(bad: str) -> None:
    with pytest.raises(ConfigurationError, match="not a host name or IP address"):
        allowed_hosts({"MCC_ALLOWED_HOSTS": bad.replace(" ", "_")}, "127.0.0.1")
    with pytest.raises(ConfigurationError, match="--allowed-host"):
        allowed_hosts({}, "127.0.0.1", [bad])


def test_mcclink_web_answers_the_allowed_host_it_was_given_and_no_other(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **clean_env(tmp_path),
        "MCC_CUSTOMER_ID": "123-456-7890",
        "MCC_API_TOKEN": TOKEN,
        "MCC_STORE": f"sqlite:///{tmp_path / 'web.db'}",
    }
    args = [MCCLINK, "web", "--port", str(port), "--allowed-host", "ads.example.com"]
    with _running(args, env, port):
        assert _status(port, "/api/v1/stats", "ads.example.com") == 200
        assert _status(port, "/api/v1/stats", f"127.0.0.1:{port}") == 200
        assert _status(port, "/api/v1/stats", "evil.example.com") == 400


def test_mcclink_web_on_every_address_without_a_name_refuses_to_start(tmp_path: Path) -> None:
    code, output = run_web(tmp_path, "--host", "0.0.0.0", env={"MCC_API_TOKEN": TOKEN})

    assert code == 2
    assert "no host name is allowed" in output
    assert "--allowed-host" in output


def test_mcclink_web_refuses_a_malformed_allowed_host(tmp_path: Path) -> None:
    code, output = run_web(
        tmp_path, env={"MCC_API_TOKEN": TOKEN, "MCC_ALLOWED_HOSTS": "https://ads.example.com"}
    )

    assert code == 2
    assert "MCC_ALLOWED_HOSTS: 'https://ads.example.com' is not a host name" in output


# -- item 17: failed authentications are throttled per address -------------------------------


def test_wrong_bearer_tokens_are_throttled_even_the_right_one_then_waits(
    client: TestClient, web_app: FastAPI
) -> None:
    clock = Clock()
    web_app.state.auth_failures = AddressThrottle(AUTH_FAILURES, clock=clock)
    answers = [client.get("/api/v1/stats", headers=WRONG).status_code for _ in range(300)]

    refused = client.get("/api/v1/stats", headers=RIGHT)
    assert answers[:AUTH_FAILURES] == [401] * AUTH_FAILURES
    assert set(answers[AUTH_FAILURES:]) == {429}
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "6"
    assert refused.headers["content-type"] == "application/problem+json"
    assert "wait 6 s" in refused.json()["detail"]

    clock.now += 6
    assert client.get("/api/v1/stats", headers=RIGHT).status_code == 200


def test_requests_without_a_token_are_no_guesses(client: TestClient) -> None:
    answers = {client.get("/api/v1/stats").status_code for _ in range(AUTH_FAILURES + 5)}

    assert answers == {401}
    assert client.get("/api/v1/stats", headers=RIGHT).status_code == 200


def test_another_address_keeps_its_own_allowance(web_app: FastAPI) -> None:
    with (
        TestClient(web_app, base_url="http://127.0.0.1", client=("198.51.100.7", 1)) as guesser,
        TestClient(web_app, base_url="http://127.0.0.1", client=("203.0.113.9", 1)) as user,
    ):
        for _ in range(AUTH_FAILURES + 1):
            guesser.get("/api/v1/stats", headers=WRONG)

        assert guesser.get("/api/v1/stats", headers=RIGHT).status_code == 429
        assert user.get("/api/v1/stats", headers=RIGHT).status_code == 200


def test_wrong_tokens_in_the_sign_in_form_are_throttled_too(client: TestClient) -> None:
    def sign_in(token: str) -> int:
        form = client.get("/login")
        data = {"csrf_token": csrf_token(form.text), "token": token, "next": "/"}
        status: int = client.post("/login", data=data, follow_redirects=False).status_code
        return status

    answers = [sign_in("wrong-token-wrong-token-wrong-token") for _ in range(AUTH_FAILURES)]
    refused = sign_in(TOKEN)

    assert answers == [401] * AUTH_FAILURES
    assert refused == 429
    assert client.get("/", follow_redirects=False).status_code == 303  # not signed in
    assert client.get("/api/v1/stats", headers=RIGHT).status_code == 429  # the same address


def test_the_form_s_429_says_when_to_try_again(client: TestClient) -> None:
    form = client.get("/login")
    data = {"csrf_token": csrf_token(form.text), "token": "wrong-token-wrong-token-wrong"}
    for _ in range(AUTH_FAILURES):
        client.post("/login", data=data)

    response = client.post("/login", data=data)

    assert response.status_code == 429
    assert response.headers["retry-after"] == "6"
    assert "Too many failed sign-ins from this address. Wait 6 seconds" in response.text
    assert "Back to the dashboard" in response.text  # the staff's page, not the advertiser's


# -- item 18: a token that looks random, in printable ASCII ----------------------------------


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("aaaaaaaaaaaaaaaa", "too short (16 characters, at least 32)"),
        ("a" * 40, "does not look random (1 different characters"),
        ("abababababcdcdcdcdcd0101010101010101", "does not look random (6 different"),
        ("Z0-5qY9vK2mXw8Rt4Lp7Hn3Bc6Df1Gj_é", "printable ASCII"),
        ("Z0-5qY9vK2mXw8Rt 4Lp7Hn3Bc6Df1Gj_x", "printable ASCII"),
        ("Z0-5qY9vK2mXw8Rt4Lp7Hn3Bc6Df1Gj\x07", "printable ASCII"),
    ],
)
def test_a_weak_or_non_ascii_token_is_refused_without_showing_it(token: str, problem: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        WebSettings.from_env({"MCC_API_TOKEN": token})

    assert problem in str(refused.value)
    assert "secrets.token_urlsafe(32)" in str(refused.value)
    assert token not in str(refused.value)


@pytest.mark.parametrize(
    "token",
    [
        "Yh3kR9_vQ2mXw8Rt4Lp7Hn3Bc6Df1GjZ0-5qY9vK2m",  # secrets.token_urlsafe(32)'s shape
        "9f86d081884c7d659a2feaa0c55ad015",  # secrets.token_hex(16)'s shape
    ],
)
def test_a_random_token_is_accepted(token: str) -> None:
    assert token_problem(token) is None


@pytest.mark.parametrize(
    ("token", "phrase"),
    [("aaaaaaaaaaaaaaaa", "too short"), ("ünïcödé-" * 5, "printable ASCII")],
)
def test_mcclink_web_refuses_a_weak_token_and_says_how_to_make_one(
    tmp_path: Path, token: str, phrase: str
) -> None:
    code, output = run_web(tmp_path, env={"MCC_API_TOKEN": token})

    assert code == 2
    assert phrase in output
    assert "secrets.token_urlsafe(32)" in output
    assert token not in output


# -- helpers --------------------------------------------------------------------------------


def _status(port: int, path: str, host: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host, **RIGHT})
        return connection.getresponse().status
    finally:
        connection.close()


def _answering(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def _running(args: list[str], env: dict[str, str], port: int) -> Iterator[None]:
    """``args`` as a server process on ``port``, answering, until the block ends."""
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 30
        while not _answering(port):
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "mcclink web did not start"
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)
