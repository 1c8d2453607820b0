"""The server-rendered pages through the ASGI test client: rendering, CSRF, actions, import."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from mcclink import monitor
from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, HistoryEntry, LinkStatus, Operation, Outcome, utcnow
from mcclink.emulator import CLIENT_SECRET, DEVELOPER_TOKEN, REFRESH_TOKEN, Emulator
from mcclink.errors import PermissionDenied
from mcclink.onboarding import DEFAULT_EXPIRY, OnboardingEvent, new_link
from mcclink.service import Registration
from mcclink.web import pages, problems, views
from tests.web.conftest import TOKEN, csrf_token

PADARIA = CustomerId.parse("111-222-3333")
ACAI = CustomerId.parse("222-333-4444")
PAGES = ["/", "/clients", "/clients?status=PENDING&q=padaria", "/clients/1112223333", "/import"]


@pytest.fixture
def registered(web_container: Container) -> Container:
    """Two registered clients, neither invited."""
    for cid, name in ((PADARIA, "Padaria São João"), (ACAI, "Açaí & Cia")):
        web_container.service.register(web_container.mcc, Registration(cid, name, "a@b.example"))
    return web_container


def _status(container: Container, cid: CustomerId) -> LinkStatus:
    return container.service.get(container.mcc, cid).status


def _post(client: TestClient, path: str, page: str = "/clients", **data: str) -> str:
    """Post a form the way the browser does (token from ``page``) and follow the redirect."""
    token = csrf_token(client.get(page).text)
    response = client.post(path, data={"csrf_token": token, **data})
    assert response.status_code == 200, response.text
    return str(html.unescape(response.text))


def _upload(client: TestClient, text: str, name: str = "clients.csv") -> str:
    token = csrf_token(client.get("/import").text)
    files = {"file": (name, text.encode(), "text/csv")}
    response = client.post("/import", data={"csrf_token": token}, files=files)
    return str(html.unescape(response.text))


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden field {name}"
    return html.unescape(match.group(1))


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_for_a_signed_in_session(
    signed_in: TestClient, registered: Container, path: str
) -> None:
    response = signed_in.get(path)
    assert response.status_code == 200
    assert "Sign out" in response.text
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_a_visitor_without_a_session_to_sign_in(
    client: TestClient, registered: Container, path: str
) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def _post_routes() -> list[str]:
    return [
        route.path
        for route in pages.router.routes
        if isinstance(route, APIRoute) and "POST" in (route.methods or ())
    ]


def test_the_post_routes_walked_below_are_the_pages_forms() -> None:
    assert set(_post_routes()) == {
        "/monitor",
        "/clients/{customer_id}/{action}",
        "/clients/{customer_id}/move",
        "/import",
        "/import/confirm",
        "/clients/{customer_id}/onboarding-links",
        "/onboarding-links/{link_id}/revoke",
    }


@pytest.mark.parametrize("path", _post_routes())
def test_every_form_post_without_the_csrf_token_is_rejected_and_changes_nothing(
    signed_in: TestClient, registered: Container, path: str
) -> None:
    url = path.format(customer_id=PADARIA.digits, action="invite", link_id="AAAAAAAAAAAAAAAA")
    before = list(registered.store.history_between(utcnow() - timedelta(hours=1), utcnow()))
    data = {"token": TOKEN, "filename": "x.csv", "content": "customer_id,name\n", "back": "/"}
    response = signed_in.post(url, data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "Nothing was changed" in response.text
    assert _status(registered, PADARIA) is LinkStatus.NOT_LINKED
    after = list(registered.store.history_between(utcnow() - timedelta(hours=1), utcnow()))
    assert after == before


@pytest.mark.parametrize("path", [p for p in _post_routes() if p != "/login"])
def test_every_form_post_from_a_session_not_signed_in_is_sent_to_sign_in_and_changes_nothing(
    client: TestClient, registered: Container, path: str
) -> None:
    anonymous = csrf_token(client.get("/login").text)  # a valid token of a session not signed in
    url = path.format(customer_id=PADARIA.digits, action="invite", link_id="AAAAAAAAAAAAAAAA")
    response = client.post(url, data={"csrf_token": anonymous}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert _status(registered, PADARIA) is LinkStatus.NOT_LINKED
    assert monitor.last_run(registered.store, registered.mcc) is None


def test_a_form_post_with_another_sessions_token_is_rejected(
    signed_in: TestClient, registered: Container
) -> None:
    response = signed_in.post(
        f"/clients/{PADARIA.digits}/invite",
        data={"csrf_token": "not-this-sessions-token", "back": "/clients"},
    )
    assert response.status_code == 403
    assert _status(registered, PADARIA) is LinkStatus.NOT_LINKED


def test_inviting_from_the_clients_table_sends_the_invitation_and_says_so(
    signed_in: TestClient, registered: Container
) -> None:
    page = _post(signed_in, f"/clients/{PADARIA.digits}/invite", back="/clients?q=padaria")
    assert "Invited Padaria São João (111-222-3333): the link is PENDING." in page
    assert _status(registered, PADARIA) is LinkStatus.PENDING
    # The message is shown once: a reload does not repeat it.
    assert "Invited Padaria" not in signed_in.get("/clients").text


def test_cancel_and_end_link_move_the_link_and_record_it(
    signed_in: TestClient, registered: Container, fresh_emulator: Emulator
) -> None:
    mcc = registered.mcc
    registered.service.invite(mcc, PADARIA)
    registered.service.invite(mcc, ACAI)
    _post(signed_in, f"/clients/{PADARIA.digits}/cancel", back="/")
    assert _status(registered, PADARIA) is LinkStatus.CANCELLED
    fresh_emulator.state.respond(str(ACAI), str(mcc), "accept")
    registered.service.sync(mcc)
    page = _post(signed_in, f"/clients/{ACAI.digits}/unlink", back=f"/clients/{ACAI.digits}")
    assert "Ended the link of Açaí & Cia (222-333-4444): the link is UNLINKED." in page
    assert _status(registered, ACAI) is LinkStatus.UNLINKED
    assert "UNLINK" in page  # back on the client page: the timeline shows the operation


def test_a_refused_action_shows_the_services_message_and_changes_nothing(
    signed_in: TestClient, registered: Container
) -> None:
    page = _post(signed_in, f"/clients/{PADARIA.digits}/unlink", back="/clients")
    assert "cannot unlink: the link is NOT_LINKED; unlink needs a link in: APPROVED" in page
    assert 'role="alert"' in page
    assert _status(registered, PADARIA) is LinkStatus.NOT_LINKED


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example/", "/\\evil.example/"])
def test_an_action_never_sends_the_browser_to_another_site(
    signed_in: TestClient, registered: Container, back: str
) -> None:
    token = csrf_token(signed_in.get("/clients").text)
    response = signed_in.post(
        f"/clients/{PADARIA.digits}/cancel",
        data={"csrf_token": token, "back": back},
        follow_redirects=False,
    )
    location = response.headers["location"]
    assert location.startswith("/")
    assert not location.startswith(("//", "/\\"))


def test_an_unknown_action_is_not_a_route(signed_in: TestClient, registered: Container) -> None:
    token = csrf_token(signed_in.get("/clients").text)
    response = signed_in.post(f"/clients/{PADARIA.digits}/delete", data={"csrf_token": token})
    assert response.status_code == 422
    assert _status(registered, PADARIA) is LinkStatus.NOT_LINKED


def test_the_monitor_button_runs_a_cycle_and_shows_what_changed(
    signed_in: TestClient, registered: Container, fresh_emulator: Emulator
) -> None:
    registered.service.invite(registered.mcc, PADARIA)
    fresh_emulator.state.respond(str(PADARIA), str(registered.mcc), "accept")
    page = _post(signed_in, "/monitor", page="/")
    assert "Monitor run finished" in page
    assert re.search(r"111-222-3333.*PENDING.*APPROVED", page, re.DOTALL)
    assert _status(registered, PADARIA) is LinkStatus.APPROVED
    run = monitor.last_run(registered.store, registered.mcc)
    assert run is not None
    assert run.request_id is not None
    assert run.request_id in page


def test_a_failed_monitor_run_shows_googles_message_and_is_recorded(
    signed_in: TestClient, registered: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    denied = PermissionDenied("the login customer may not read links", code="DENIED")

    def refuse(mcc: CustomerId) -> None:
        raise denied

    monkeypatch.setattr(registered.service.ads, "list_links", refuse)
    token = csrf_token(signed_in.get("/").text)
    response = signed_in.post("/monitor", data={"csrf_token": token})
    assert response.status_code == problems.status_for(denied)
    page = html.unescape(response.text)
    assert "The monitor run failed: DENIED: the login customer may not read links" in page
    assert "FAILED" in page
    assert "Traceback" not in page


def test_the_dashboard_shows_counts_stale_invitations_the_last_run_and_delivery_failures(
    signed_in: TestClient, registered: Container
) -> None:
    mcc, store = registered.mcc, registered.store
    invited = registered.service.invite(mcc, PADARIA)
    store.update_client(invited.evolve(invited_at=utcnow() - timedelta(days=2)))
    registered.service.sync(mcc)
    change = next(e for e in store.client_history(mcc, PADARIA) if e.status_after is not None)
    store.append_history(
        HistoryEntry(
            customer_id=PADARIA,
            mcc_customer_id=mcc,
            operation=Operation.WEBHOOK,
            outcome=Outcome.FAILED,
            error_message="receiver answered HTTP 500",
            details={"delivery_id": change.id, "entry_id": change.id, "attempt": "1"},
        )
    )
    page = html.unescape(signed_in.get("/").text)
    assert re.search(r"Clients</span><span class=\"value\">2<", page)
    assert re.search(r"Pending over 1 d</span>\s*<span class=\"value\">1<", page)
    assert "Invitations pending over 1 d" in page
    assert re.search(r"111-222-3333.*Padaria São João.*2 d", page, re.DOTALL)
    assert "Last run" in page
    assert "SUCCESS" in page
    assert "receiver answered HTTP 500" in page


def test_the_dashboard_shows_the_onboarding_funnel_without_javascript(
    signed_in: TestClient, web_container: Container
) -> None:
    assert "No onboarding links yet" in html.unescape(signed_in.get("/").text)
    store = web_container.store
    link, _ = new_link(web_container.mcc, None, DEFAULT_EXPIRY, "test")
    store.create_onboarding_link(link)
    events = [OnboardingEvent.OPENED] * 3 + [OnboardingEvent.SIGNED_IN] * 2
    for event in [*events, OnboardingEvent.ACCEPTED]:
        store.count_onboarding_event(link.id, event)

    page = html.unescape(signed_in.get("/").text)

    funnel = page.split('id="onboarding"', 1)[1].split("</section>", 1)[0]
    facts = re.findall(r"<dt>([^<]+)</dt><dd>(\d+)", funnel)
    assert facts == [("Links created", "1"), ("Opened", "3"), ("Signed in", "2"), ("Accepted", "1")]


def test_the_clients_table_filters_by_status_and_searches_name_or_id(
    signed_in: TestClient, registered: Container
) -> None:
    registered.service.invite(registered.mcc, PADARIA)
    pending = signed_in.get("/clients?status=PENDING").text
    assert "111-222-3333" in pending
    assert "222-333-4444" not in pending
    by_name = html.unescape(signed_in.get("/clients?q=açaí").text)
    assert "222-333-4444" in by_name
    assert "111-222-3333" not in by_name
    by_id = signed_in.get("/clients?q=333-4444").text
    assert "222-333-4444" in by_id
    assert "111-222-3333" not in by_id


def test_the_client_page_shows_the_timeline_with_google_request_ids(
    signed_in: TestClient, registered: Container
) -> None:
    registered.service.invite(registered.mcc, PADARIA)
    entry = next(registered.store.client_history(registered.mcc, PADARIA))
    assert entry.operation is Operation.INVITE
    assert entry.request_id is not None
    page = signed_in.get(f"/clients/{PADARIA.digits}").text
    assert entry.request_id in page
    assert page.index("INVITE") < page.index("REGISTER")  # newest first


def test_errors_show_the_clis_message_not_a_traceback(
    signed_in: TestClient, registered: Container
) -> None:
    missing = signed_in.get("/clients/999-999-9999")
    assert missing.status_code == 404
    assert "Traceback" not in missing.text
    invalid = html.unescape(signed_in.get("/clients/12345").text)
    assert "invalid Google Ads customer id '12345'" in invalid
    status = html.unescape(signed_in.get("/clients?status=LOST").text)
    assert "unknown link status 'LOST'" in status


def test_names_are_escaped(signed_in: TestClient, web_container: Container) -> None:
    web_container.service.register(
        web_container.mcc, Registration(PADARIA, "<script>alert(1)</script>")
    )
    page = signed_in.get("/clients").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_no_page_shows_a_secret(signed_in: TestClient, registered: Container) -> None:
    registered.service.invite(registered.mcc, PADARIA)
    for path in PAGES:
        page = signed_in.get(path).text
        for secret in (TOKEN, CLIENT_SECRET, REFRESH_TOKEN, DEVELOPER_TOKEN):
            assert secret not in page, f"{path} shows a secret"


def test_a_forged_message_cookie_is_not_shown(signed_in: TestClient, registered: Container) -> None:
    signed_in.cookies.set(views.FLASH_COOKIE, '["error", "Your token expired: go to evil.example"]')
    assert "evil.example" not in signed_in.get("/clients").text


GOOD_AND_BAD = (
    "customer_id,name,email\n"
    "333-444-5555,Oficina do Zé,ze@oficina.example\n"
    "12345,Bad Id,\n"
    "444-555-6666,,\n"
    "666-777-8888,Livraria Saber,\n"
    "333-444-5555,Oficina again,\n"
    "777-888-9999,Too,many,fields\n"
    "111-222-3333,Padaria São João,a@b.example\n"
)


def test_the_import_report_lists_every_row_and_writes_nothing(
    signed_in: TestClient, registered: Container
) -> None:
    page = _upload(signed_in, GOOD_AND_BAD)
    rows = dict(re.findall(r'<td data-label="Line">(\d+)</td>(.*?)</tr>', page, re.DOTALL))
    assert set(rows) == {"2", "3", "4", "5", "6", "7", "8"}
    assert "will be registered" in rows["2"]
    assert "invalid Google Ads customer id '12345'" in rows["3"]
    assert "444-555-6666 has a blank name" in rows["4"]
    assert "will be registered" in rows["5"]
    assert "333-444-5555 repeats line 2" in rows["6"]
    assert "4 fields where the header has 3" in rows["7"]
    assert "already registered" in rows["8"]
    assert "2 to register" in page
    assert "4 bad rows" in page
    assert {c.customer_id for c in registered.store.list_clients(registered.mcc)} == {PADARIA, ACAI}


def test_confirming_the_import_registers_the_good_rows(
    signed_in: TestClient, registered: Container
) -> None:
    report = _upload(signed_in, GOOD_AND_BAD)
    page = _post(
        signed_in,
        "/import/confirm",
        page="/import",
        filename=_hidden(report, "filename"),
        content=_hidden(report, "content"),
        skip_invalid=_hidden(report, "skip_invalid"),
    )
    assert "Imported 2 client(s) from clients.csv; 1 already registered, 4 bad row(s)" in page
    stored = {c.customer_id.dashed: c.name for c in registered.store.list_clients(registered.mcc)}
    assert stored["333-444-5555"] == "Oficina do Zé"
    assert stored["666-777-8888"] == "Livraria Saber"
    assert len(stored) == 4


def test_confirming_a_file_with_bad_rows_without_skipping_them_writes_nothing(
    signed_in: TestClient, registered: Container
) -> None:
    page = _post(
        signed_in, "/import/confirm", page="/import", filename="x.csv", content=GOOD_AND_BAD
    )
    assert "Nothing has been written yet" in page
    assert len(list(registered.store.list_clients(registered.mcc))) == 2


def test_a_file_without_the_needed_header_is_refused_with_the_clis_words(
    signed_in: TestClient, registered: Container
) -> None:
    page = _upload(signed_in, "id;nome\n1;x\n", name="../../etc/x.csv")
    assert "../../etc/x.csv: header 'id;nome' lacks customer_id" in page
    assert len(list(registered.store.list_clients(registered.mcc))) == 2


def test_a_csv_over_the_size_limit_is_refused_and_nothing_written(
    signed_in: TestClient, registered: Container
) -> None:
    rows = "".join(f"{n:010d},Client {n}\n" for n in range(1_000_000_000, 1_000_060_000))
    page = _upload(signed_in, "customer_id,name\n" + rows)
    assert "too big" in page
    assert len(list(registered.store.list_clients(registered.mcc))) == 2


def test_a_request_over_the_upload_bound_is_refused_before_its_form_is_read(
    signed_in: TestClient, registered: Container
) -> None:
    huge = b"customer_id,name\n" + b"x" * (4 * pages.MAX_UPLOAD_BYTES)
    # No CSRF token either: a 403 would mean the form was parsed (for its token) first.
    response = signed_in.post("/import", files={"file": ("huge.csv", huge, "text/csv")})
    assert response.status_code == 413
    assert "the upload is too big: at most 512 KiB" in response.text
