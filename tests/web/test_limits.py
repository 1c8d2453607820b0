"""Request bodies are refused by size and sender before they are read (issue #14, item 14).

Over real HTTP against ``mcclink web`` in a subprocess (its memory and open files are its
own): huge bodies, declared or streamed, without a token or a session, to every kind of
route. Each is answered at once, the server's memory does not grow by the body, and no
temporary file is opened. The answers' words are checked in-process, through the same app.
"""

from __future__ import annotations

import os
import re
import select
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mcclink.web import limits
from tests.e2e.conftest import MCCLINK, clean_env
from tests.web.conftest import TOKEN, csrf_token, free_port

GIB = 1024**3
MIB = 1024**2
#: What a client may push into socket buffers before a server that reads nothing stops it.
SENT_AT_MOST = 32 * MIB
#: How much the server's memory may grow while refusing a body (it never holds one).
GROWTH_AT_MOST = 16 * MIB
ANSWERED_WITHIN = 10.0
AUTH = f"Authorization: Bearer {TOKEN}\r\n"
MULTIPART = "multipart/form-data; boundary=b0undary"
FILE_PART = (
    b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n'
    b"Content-Type: text/csv\r\n\r\ncustomer_id,name\r\n"
)


@dataclass(frozen=True)
class Server:
    """``mcclink web`` in a subprocess, with a temporary directory of its own."""

    port: int
    pid: int
    tmpdir: Path

    def rss(self) -> int:
        """The server's resident memory, in bytes."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        assert match
        return int(match.group(1)) * 1024

    def temporary_files(self) -> list[str]:
        """The files the server holds open in its temporary directory (an unnamed
        ``O_TMPFILE`` upload shows here too), and the files in that directory."""
        held = []
        for fd in Path(f"/proc/{self.pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:  # closed meanwhile
                continue
            if target.startswith(str(self.tmpdir)):
                held.append(target)
        return held + [p.name for p in self.tmpdir.iterdir()]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("limits")
    tmpdir = home / "tmp"
    tmpdir.mkdir()
    port = free_port()
    env = {
        **clean_env(home),
        "MCC_CUSTOMER_ID": "123-456-7890",
        "MCC_API_TOKEN": TOKEN,
        "MCC_STORE": f"sqlite:///{home / 'web.db'}",
        "TMPDIR": str(tmpdir),
    }
    process = subprocess.Popen(
        [MCCLINK, "web", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        _wait_until_serving(port)
        yield Server(port, process.pid, tmpdir)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_serving(port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@dataclass(frozen=True)
class Answer:
    status: int
    head: str
    body: str
    sent: int
    seconds: float
    temporary_files: list[str]


def exchange(
    server: Server,
    head: str,
    *,
    chunked: bool = False,
    send_at_most: int = 64 * MIB,
) -> Answer:
    """Send ``head`` (request line and headers), then body bytes until the server answers
    (or ``send_at_most`` were sent), and read its answer. A multipart body is a CSV file's
    part that never ends."""
    start = FILE_PART if MULTIPART in head else b""
    chunk = b"x" * (64 * 1024)
    if chunked:
        start, chunk = (b"%x\r\n%s\r\n" % (len(c), c) if c else b"" for c in (start, chunk))
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=ANSWERED_WITHIN) as sock:
        sock.sendall(head.encode() + b"\r\n" + (start if send_at_most else b""))
        sent = 0
        while sent < send_at_most:
            readable, writable, _ = select.select([sock], [sock], [], ANSWERED_WITHIN)
            if readable or not writable:
                break
            try:
                sent += sock.send(chunk)
            except (BrokenPipeError, ConnectionResetError):  # refused and closed
                break
        held = server.temporary_files()  # while the request is still open
        data = _read_answer(sock)
    seconds = time.monotonic() - started
    head_text, _, body = data.decode("latin-1").partition("\r\n\r\n")
    status = int(head_text.split(" ", 2)[1]) if head_text else 0
    return Answer(status, head_text, body, sent, seconds, held)


def _read_answer(sock: socket.socket) -> bytes:
    data = b""
    deadline = time.monotonic() + ANSWERED_WITHIN
    while time.monotonic() < deadline:
        try:
            part = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not part:
            break
        data += part
        head, sep, body = data.partition(b"\r\n\r\n")
        length = re.search(rb"content-length: (\d+)", head, re.IGNORECASE)
        if sep and length and len(body) >= int(length.group(1)):
            break
    return data


def _post(path: str, length: int | None, extra: str = "", kind: str = "application/json") -> str:
    size = "Transfer-Encoding: chunked\r\n" if length is None else f"Content-Length: {length}\r\n"
    return f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {kind}\r\n{size}{extra}"


def _refused_unread(server: Server, head: str, status: int, **how: object) -> Answer:
    before = server.rss()
    answer = exchange(server, head, **how)  # type: ignore[arg-type]
    assert answer.status == status, answer.head
    assert answer.seconds < ANSWERED_WITHIN
    assert answer.sent < SENT_AT_MOST
    assert answer.temporary_files == []
    assert server.rss() - before < GROWTH_AT_MOST
    assert "connection: close" in answer.head.lower()
    return answer


def test_a_1_gib_upload_without_a_token_is_refused_before_its_body_is_read(
    server: Server,
) -> None:
    answer = _refused_unread(server, _post("/api/v1/imports", GIB, kind=MULTIPART), 401)
    assert "Authorization: Bearer" in answer.body


def test_a_200_mb_json_body_without_a_token_is_refused_unread(server: Server) -> None:
    _refused_unread(server, _post("/api/v1/clients", 200 * MIB), 401)


def test_a_streamed_body_without_a_token_is_refused_unread(server: Server) -> None:
    _refused_unread(server, _post("/api/v1/clients", None), 401, chunked=True)


def test_a_staff_form_without_a_session_is_refused_unread(server: Server) -> None:
    for path in ("/import", "/login", "/clients/1112223333/invite"):
        answer = _refused_unread(server, _post(path, 500 * MIB, kind=MULTIPART), 403)
        assert "Form expired" in answer.body


def test_a_public_form_over_its_limit_is_refused_unread(server: Server) -> None:
    form = "application/x-www-form-urlencoded"
    _refused_unread(server, _post("/onboard/choose", 500 * MIB, kind=form), 413)
    _refused_unread(server, _post("/onboard/choose", None, kind=form), 413, chunked=True)


def test_with_the_token_a_declared_size_over_the_limit_is_refused_unread(
    server: Server,
) -> None:
    answer = _refused_unread(server, _post("/api/v1/imports", GIB, AUTH, MULTIPART), 413)
    assert "split it into smaller files" in answer.body
    _refused_unread(server, _post("/api/v1/clients", limits.API_JSON_BYTES + 1, AUTH), 413)


def test_with_the_token_a_streamed_body_is_counted_and_refused_past_the_limit(
    server: Server,
) -> None:
    for path, kind in (("/api/v1/imports", MULTIPART), ("/api/v1/clients", "application/json")):
        answer = _refused_unread(server, _post(path, None, AUTH, kind), 413, chunked=True)
        assert '"code":"BodyTooLarge"' in answer.body
    with urllib.request.urlopen(_api_request(server, "/api/v1/clients"), timeout=10) as listing:
        assert listing.read() == b'{"items":[],"next_cursor":null}'


def test_four_huge_bodies_at_once_are_all_refused_unread(server: Server) -> None:
    before = server.rss()
    answers: list[Answer] = []
    heads = [_post("/api/v1/imports", GIB, kind=MULTIPART), _post("/api/v1/clients", None)] * 2
    threads = [
        threading.Thread(
            target=lambda h=head: answers.append(exchange(server, h, chunked="chunked" in h))
        )
        for head in heads
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status for a in answers) == [401] * 4
    assert server.rss() - before < GROWTH_AT_MOST


def test_a_refused_body_is_never_invited_by_100_continue(server: Server) -> None:
    head = _post("/api/v1/imports", GIB, "Expect: 100-continue\r\n", MULTIPART)
    answer = exchange(server, head, send_at_most=0)
    assert answer.status == 401
    assert "100 Continue" not in answer.head


def test_a_body_within_the_limit_streamed_in_chunks_is_served(server: Server) -> None:
    csv = b"1112223333,Padaria Sol\n"
    part = FILE_PART + csv + b"\r\n--b0undary--\r\n"
    request = _api_request(
        server, "/api/v1/imports?validate_only=true", iter([part[:50], part[50:]])
    )
    request.add_header("Content-Type", MULTIPART)
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert b'"imported":1' in answer.read()
    assert server.temporary_files() == []


def _api_request(server: Server, path: str, body: object = None) -> urllib.request.Request:
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}{path}",
        data=body,  # type: ignore[arg-type]
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    if body is not None:
        request.add_header("Transfer-Encoding", "chunked")
    return request


# -- the answers' words, in-process -----------------------------------------------------------


def test_an_oversized_api_body_gets_a_problem_document_with_the_fix(api: TestClient) -> None:
    response = api.post("/api/v1/clients", content=b"{" + b" " * limits.API_JSON_BYTES + b"}")
    assert response.status_code == 413
    problem = response.json()
    assert problem["code"] == "BodyTooLarge"
    assert "over 256 KiB" in problem["detail"]
    assert "send less" in problem["detail"]
    assert response.headers["content-type"] == "application/problem+json"


def test_an_oversized_staff_form_gets_the_error_page_and_changes_nothing(
    signed_in: TestClient,
) -> None:
    page = signed_in.get("/clients")
    response = signed_in.post(
        "/clients/1112223333/invite",
        data={"csrf_token": csrf_token(page.text), "back": "/" + "x" * limits.FORM_BYTES},
        follow_redirects=False,
    )
    assert response.status_code == 413
    assert "the form is over 16 KiB" in response.text
    assert "That could not be done (413)" in response.text


def test_an_anonymous_session_posting_a_staff_form_is_sent_to_sign_in_unread(
    client: TestClient,
) -> None:
    client.get("/login")  # an anonymous session
    response = client.post(
        "/clients/1112223333/invite", content=b"x" * (10 * MIB), follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2F"


def test_an_oversized_onboarding_form_gets_the_plain_page_in_the_visitors_language(
    client: TestClient,
) -> None:
    response = client.post(
        "/onboard/choose",
        data={"choice": "x", "account": ["1" * 10] * 2000},
        headers={"Accept-Language": "pt-BR"},
    )
    assert response.status_code == 413
    assert "O formulário veio de outra página" in response.text
