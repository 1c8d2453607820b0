"""The staff pages through the real app: users (admins), all tokens (admins), one's own tokens
(anyone signed in), and what each role is offered on the other pages (issue #16)."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, utcnow
from mcclink.service import Registration
from mcclink.staff import Role, TokenState, new_session
from mcclink.staff_service import Admission, Identity, StaffDirectory
from mcclink.web.security import SESSION_COOKIE
from mcclink.web.views import FLASH_COOKIE
from tests.web.conftest import csrf_token

ADMIN = "ana@agencia.com.br"
OPERATOR = "bruno@agencia.com.br"
VIEWER = "carla@agencia.com.br"
PADARIA = CustomerId.parse("111-222-3333")


@pytest.fixture
def staff(web_container: Container) -> StaffDirectory:
    """Ana (admin), Bruno (operator) and Carla (viewer), registered on the command line."""
    directory = StaffDirectory(web_container.store, "cli:setup")
    for email, role in ((ADMIN, Role.ADMIN), (OPERATOR, Role.OPERATOR), (VIEWER, Role.VIEWER)):
        directory.add_user(email, role)
    return directory


def sign_in(client: TestClient, container: Container, email: str) -> TestClient:
    """``client`` holding a stored session of ``email``, as the Google sign-in leaves it."""
    value, record = new_session(email, utcnow(), timedelta(hours=12))
    container.store.add_session(record)
    client.cookies.set(SESSION_COOKIE, value)
    return client


@pytest.fixture
def admin(client: TestClient, web_container: Container, staff: StaffDirectory) -> TestClient:
    return sign_in(client, web_container, ADMIN)


def _post(client: TestClient, path: str, page: str, **data: str) -> str:
    """Post a form as the browser does (the CSRF token from ``page``), follow the redirect,
    and return the page it lands on (unescaped)."""
    token = csrf_token(client.get(page).text)
    response = client.post(path, data={"csrf_token": token, **data})
    assert response.status_code == 200, response.text
    return html.unescape(str(response.text))


def _flash(page: str) -> str:
    found = re.search(r'<p class="flash flash-(\w+)"[^>]*>([^<]*)</p>', page)
    assert found, "no message on the page"
    return f"{found[1]}: {found[2]}"


# -- users -----------------------------------------------------------------------------------


def test_an_admin_sees_the_users_and_adds_one(admin: TestClient, staff: StaffDirectory) -> None:
    page = html.unescape(admin.get("/admin/users").text)
    for email in (ADMIN, OPERATOR, VIEWER):
        assert email in page
    landed = _post(
        admin, "/admin/users", "/admin/users", email=" Dora@Agencia.com.br ", role="operator"
    )
    assert _flash(landed) == "ok: Added dora@agencia.com.br as operator: they can sign in now."
    dora = staff.store.get_user("dora@agencia.com.br")
    assert dora is not None
    assert (dora.role, dora.created_by) == (Role.OPERATOR, f"user:{ADMIN}")


@pytest.mark.parametrize(
    ("email", "role", "message"),
    [
        ("not-an-address", "viewer", "error: invalid e-mail address 'not-an-address'"),
        (OPERATOR, "viewer", f"error: {OPERATOR} is already a user"),
        ("dora@agencia.com.br", "owner", "error: unknown role 'owner': use one of viewer"),
    ],
)
def test_a_user_that_cannot_be_added_is_told_and_nothing_is_written(
    admin: TestClient, staff: StaffDirectory, email: str, role: str, message: str
) -> None:
    before = staff.users()
    landed = _post(admin, "/admin/users", "/admin/users", email=email, role=role)
    assert _flash(landed).startswith(message)
    assert staff.users() == before


def test_an_admin_changes_a_role_but_never_the_last_admins(
    admin: TestClient, staff: StaffDirectory
) -> None:
    landed = _post(admin, "/admin/users/role", "/admin/users", email=OPERATOR, role="viewer")
    assert _flash(landed) == f"ok: {OPERATOR} is now viewer, from their next request."
    landed = _post(admin, "/admin/users/role", "/admin/users", email=ADMIN, role="operator")
    assert _flash(landed) == (
        f"error: {ADMIN} is the only admin: make another user admin first, then change {ADMIN}"
    )
    assert [(u.email, u.role) for u in staff.users()] == [
        (ADMIN, Role.ADMIN),
        (OPERATOR, Role.VIEWER),
        (VIEWER, Role.VIEWER),
    ]


def test_removing_a_user_ends_their_session_at_once_but_the_last_admin_stays(
    admin: TestClient, web_container: Container, staff: StaffDirectory
) -> None:
    with TestClient(admin.app, base_url="http://127.0.0.1") as other:
        carla = sign_in(other, web_container, VIEWER)
        assert carla.get("/clients").status_code == 200
        landed = _post(admin, "/admin/users/remove", "/admin/users", email=VIEWER)
        assert _flash(landed).startswith(f"ok: Removed {VIEWER}")
        refused = carla.get("/clients", follow_redirects=False)
        assert refused.status_code == 303
        assert refused.headers["location"].startswith("/login")
    landed = _post(admin, "/admin/users/remove", "/admin/users", email=ADMIN)
    assert _flash(landed).startswith(f"error: {ADMIN} is the only admin")
    assert staff.store.get_user(ADMIN) is not None


def test_removing_a_user_an_allowed_domain_let_in_says_they_can_enter_again(
    admin: TestClient, staff: StaffDirectory
) -> None:
    member = Identity("novo@agencia.com.br", True, "agencia.com.br", "Novo", "1")
    staff.admit(member, Admission(frozenset({"agencia.com.br"})))
    landed = _post(admin, "/admin/users/remove", "/admin/users", email=member.email)
    assert _flash(landed).startswith(f"ok: Removed {member.email}")
    assert "they enter again" in _flash(landed)
    assert "take agencia.com.br out of MCC_STAFF_DOMAINS" in _flash(landed)


def test_signing_a_user_out_everywhere_ends_their_sessions(
    admin: TestClient, web_container: Container
) -> None:
    with TestClient(admin.app, base_url="http://127.0.0.1") as other:
        bruno = sign_in(other, web_container, OPERATOR)
        landed = _post(admin, "/admin/users/sign-out", "/admin/users", email=OPERATOR)
        assert _flash(landed) == f"ok: Signed {OPERATOR} out everywhere: 1 session(s) ended."
        assert bruno.get("/", follow_redirects=False).status_code == 303


def test_a_user_whose_address_holds_a_slash_is_managed_like_any_other(
    admin: TestClient, staff: StaffDirectory
) -> None:
    staff.add_user("joao/vendas@agencia.com.br", Role.VIEWER)
    landed = _post(
        admin,
        "/admin/users/role",
        "/admin/users",
        email="joao/vendas@agencia.com.br",
        role="operator",
    )
    assert (
        _flash(landed) == "ok: joao/vendas@agencia.com.br is now operator, from their next request."
    )
    landed = _post(admin, "/admin/users/remove", "/admin/users", email="joao/vendas@agencia.com.br")
    assert _flash(landed).startswith("ok: Removed joao/vendas@agencia.com.br")
    assert staff.store.get_user("joao/vendas@agencia.com.br") is None


# -- tokens -----------------------------------------------------------------------------------


def _made_token(page: str) -> str:
    found = re.search(r'<input id="copy-value" type="text" readonly value="([^"]+)"', page)
    assert found, "the new token is not shown"
    return found[1]


def test_a_new_token_is_shown_once_then_only_its_prefix(
    admin: TestClient, web_container: Container, staff: StaffDirectory
) -> None:
    landed = _post(admin, "/tokens", "/tokens", name="ci", role="operator", expires="30d")
    secret = _made_token(landed)
    [token] = staff.tokens(ADMIN)
    assert secret.startswith(f"{token.prefix}_")
    assert _flash(landed).startswith(f"ok: Token ci ({token.prefix}) made with the operator role")
    assert "Copy the token now: it is shown only once" in landed
    assert token.expires_at is not None
    assert token.expires_at - token.created_at == timedelta(days=30)
    again = admin.get("/tokens").text
    assert secret not in again
    assert token.prefix in again
    assert 'action="/logout/everywhere"' in again
    answer = admin.get("/api/v1/clients", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200, answer.text


def test_the_new_token_never_rides_in_a_cookie_and_shows_once_even_to_a_replay(
    admin: TestClient, staff: StaffDirectory
) -> None:
    token = csrf_token(admin.get("/tokens").text)
    form = {"csrf_token": token, "name": "ci", "role": "viewer", "expires": "90d"}
    made = admin.post("/tokens", data=form, follow_redirects=False)
    assert made.status_code == 303
    cookie = made.cookies[FLASH_COOKIE]
    shown = admin.get("/tokens").text
    secret = _made_token(shown)
    _, payload = URLSafeTimedSerializer("any key").loads_unsafe(cookie)
    kind, _, key, _ = payload  # read without the key: what anyone holding the cookie sees
    assert kind == "ok"
    assert isinstance(key, str)
    assert secret not in cookie
    assert secret not in json.dumps(payload)
    admin.cookies.set(FLASH_COOKIE, cookie)  # the same message again: its token is gone
    again = admin.get("/tokens").text
    assert "Token ci (" in again
    assert secret not in again


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "ci", "role": "admin", "expires": "90d"}, f"error: {OPERATOR} is operator"),
        ({"name": "CI Tool", "role": "viewer", "expires": "90d"}, "error: invalid token name"),
        ({"name": "ci", "role": "viewer", "expires": "2y"}, "error: unknown expiry '2y'"),
    ],
)
def test_a_token_that_cannot_be_made_is_told_and_none_is_stored(
    client: TestClient,
    web_container: Container,
    staff: StaffDirectory,
    form: dict[str, str],
    message: str,
) -> None:
    bruno = sign_in(client, web_container, OPERATOR)
    landed = _post(bruno, "/tokens", "/tokens", **form)
    assert _flash(landed).startswith(message)
    assert 'id="copy-value"' not in landed
    assert staff.tokens() == []


def test_a_second_usable_token_of_the_same_name_is_refused_naming_the_first(
    admin: TestClient, staff: StaffDirectory
) -> None:
    _post(admin, "/tokens", "/tokens", name="ci", role="viewer", expires="30d")
    [first] = staff.tokens(ADMIN)
    landed = _post(admin, "/tokens", "/tokens", name="ci", role="viewer", expires="30d")
    assert _flash(landed).startswith(
        f"error: {ADMIN} already has a token named ci ({first.prefix}): choose another name"
    )
    assert 'id="copy-value"' not in landed
    assert staff.tokens() == [first]


def test_the_token_form_offers_roles_up_to_ones_own(
    client: TestClient, web_container: Container, staff: StaffDirectory
) -> None:
    page = sign_in(client, web_container, OPERATOR).get("/tokens").text
    offered = re.findall(
        r'<option value="(\w+)"', page.partition('name="role"')[2].partition("</select>")[0]
    )
    assert offered == ["viewer", "operator"]


def test_a_person_lists_and_revokes_only_their_own_tokens(
    client: TestClient, web_container: Container, staff: StaffDirectory
) -> None:
    _, mine = staff.create_token("ci", Role.OPERATOR, OPERATOR)
    _, hers = staff.create_token("zapier", Role.VIEWER, VIEWER)
    bruno = sign_in(client, web_container, OPERATOR)
    page = bruno.get("/tokens").text
    assert mine.prefix in page
    assert hers.prefix not in page
    landed = _post(bruno, f"/tokens/{hers.id}/revoke", "/tokens")
    assert _flash(landed).startswith(f"error: no API token has id '{hers.id}'")
    landed = _post(bruno, f"/tokens/{mine.id}/revoke", "/tokens")
    assert _flash(landed) == f"ok: Token ci ({mine.prefix}) revoked: it no longer works."
    now = utcnow()
    assert [t.state(now) for t in staff.tokens()] == [TokenState.ACTIVE, TokenState.REVOKED]


def test_an_admin_sees_every_token_and_revokes_any(
    admin: TestClient, staff: StaffDirectory
) -> None:
    _, cli_token = staff.create_token("backup", Role.ADMIN, "cli:carlos")
    _, hers = staff.create_token("zapier", Role.VIEWER, VIEWER)
    page = html.unescape(admin.get("/admin/tokens").text)
    for token in (cli_token, hers):
        assert token.prefix in page
        assert token.owner in page
    landed = _post(admin, f"/admin/tokens/{hers.id}/revoke", "/admin/tokens")
    assert _flash(landed) == f"ok: Token zapier ({hers.prefix}) revoked: it no longer works."
    assert staff.store.get_token(hers.id).revoked_at is not None  # type: ignore[union-attr]


def test_the_break_glass_token_owns_no_tokens_and_is_told_so(signed_in: TestClient) -> None:
    page = html.unescape(signed_in.get("/tokens").text)
    assert "The break-glass token owns no tokens: sign in with Google" in page
    assert 'action="/tokens"' not in page
    assert "End every session of the break-glass token" in page
    landed = _post(signed_in, "/tokens", "/tokens", name="ci", role="viewer", expires="30d")
    assert _flash(landed).startswith("error: the break-glass token owns no tokens")


# -- what each role is offered ----------------------------------------------------------------


@pytest.fixture
def padaria(web_container: Container) -> Container:
    web_container.service.register(web_container.mcc, Registration(PADARIA, "Padaria"))
    return web_container


MUTATING = [
    'action="/clients/1112223333/invite"',
    'action="/monitor"',
    'action="/clients/1112223333/onboarding-links"',
    'href="/import"',
]


@pytest.mark.parametrize(
    ("email", "role", "offered", "admin_links"),
    [
        (ADMIN, "admin", True, True),
        (OPERATOR, "operator", True, False),
        (VIEWER, "viewer", False, False),
    ],
)
def test_each_role_is_offered_only_what_it_may_do(
    client: TestClient,
    web_container: Container,
    staff: StaffDirectory,
    padaria: Container,
    email: str,
    role: str,
    offered: bool,
    admin_links: bool,
) -> None:
    person = sign_in(client, web_container, email)
    pages = "".join(person.get(path).text for path in ("/", "/clients", "/clients/1112223333"))
    assert all((button in pages) is offered for button in MUTATING), role
    assert ('href="/admin/users"' in pages) is admin_links
    assert re.search(
        rf'id="whoami">{re.escape(email)} <span class="role role-{role}">{role}<', pages
    )
