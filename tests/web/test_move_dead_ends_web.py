"""No dead end after a move on the dashboard (issue 17's second review, defect 8), through
the real app on the emulator's tree (tests/web/test_hide_move_web's): the manager left links
the moved client to its page under the new manager, a Move lands on that page, and a page
refusing bad input is titled for what it is, not "Something went wrong"."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId
from tests.web.conftest import csrf_token
from tests.web.test_hide_move_web import MCC, PADARIA, SUB, press, sign_in, staff, tree
from tests.web.test_problem_details_private import locked

__all__ = ["staff", "tree"]  # the fixtures, shared with test_hide_move_web

OPERATOR = "bia@agencia.com.br"


def test_a_move_lands_on_the_clients_page_under_the_new_manager(
    client: TestClient, staff: Container
) -> None:
    sign_in(client, staff, OPERATOR)
    token = csrf_token(client.get(f"/clients/{PADARIA.digits}").text)

    answer = client.post(
        f"/clients/{PADARIA.digits}/move",
        data={"csrf_token": token, "to": SUB.dashed},
        follow_redirects=False,
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/clients/{PADARIA.digits}?mcc={SUB.digits}"
    landed = " ".join(html.unescape(client.get(answer.headers["location"]).text).split())
    assert f"Moved Padaria ({PADARIA}) to manager {SUB}: this is its page under that manager" in (
        landed
    )
    assert f"{MCC} is in the Manager list to go back" in landed
    assert "Move to manager" in landed  # the client's own page, its actions at hand


def test_the_manager_lefts_history_links_the_moved_client_to_its_new_page(
    client: TestClient, staff: Container
) -> None:
    sign_in(client, staff, OPERATOR)
    press(client, f"/clients/{PADARIA.digits}/move", to=SUB.dashed)

    shown = client.get(f"/history?mcc={MCC.digits}&operation=MOVE").text

    [href] = _client_links(shown, PADARIA)
    assert href == f"/clients/{PADARIA.digits}?mcc={SUB.digits}"
    assert client.get(href).status_code == 200
    under_new = client.get(f"/history?mcc={SUB.digits}&operation=MOVE").text
    assert _client_links(under_new, PADARIA) == [f"/clients/{PADARIA.digits}"]  # it is there


def test_a_refused_move_keeps_its_row_linked_to_the_client_where_it_is(
    client: TestClient, staff: Container
) -> None:
    sign_in(client, staff, OPERATOR)
    press(client, f"/clients/{PADARIA.digits}/move", to="300-000-0001")  # outside: refused

    shown = client.get(f"/history?mcc={MCC.digits}&operation=MOVE").text

    assert _client_links(shown, PADARIA) == [f"/clients/{PADARIA.digits}"]


def test_a_page_refusing_bad_input_says_it_could_not_be_done(
    client: TestClient, staff: Container
) -> None:
    sign_in(client, staff, OPERATOR)

    for path, status in [
        ("/clients/12345", 422),
        ("/clients/5556667777", 404),
        ("/history?mcc=9999999999", 422),
    ]:
        page = client.get(path)
        assert page.status_code == status, path
        assert f"That could not be done ({status})" in page.text, path
        assert "Something went wrong" not in page.text, path
        assert "<title>Not done · mcclink</title>" in page.text, path


def test_a_server_failure_is_still_something_that_went_wrong(
    client: TestClient, staff: Container
) -> None:
    sign_in(client, staff, OPERATOR)
    form = {
        "csrf_token": csrf_token(client.get("/import").text),
        "filename": "clients.csv",
        "content": "customer_id,name\n444-555-6666,Oficina\n",
    }
    with locked(staff):
        page = client.post("/import/confirm", data=form)

    assert page.status_code == 503
    assert "Something went wrong (503)" in page.text
    assert "That could not be done" not in page.text


def _client_links(markup: str, cid: CustomerId) -> list[str]:
    """The History table's links to ``cid`` (each row's Client cell)."""
    pattern = rf'<a class="mono" href="(/clients/{cid.digits}[^"]*)">'
    return [html.unescape(href) for href in re.findall(pattern, markup)]
