"""Settings from the environment and google-ads.yaml: every variable, every problem at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mcclink.bootstrap import Container
from mcclink.config import (
    DEFAULT_ENDPOINT,
    DEFAULT_TOKEN_URI,
    GoogleAdsSettings,
    Secret,
    Settings,
    check_all,
)
from mcclink.domain import CustomerId
from mcclink.errors import ConfigurationError

REFRESH = "1//refresh-SECRET-value"
CLIENT_SECRET = "GOCSPX-client-SECRET"
DEV_TOKEN = "devtoken-SECRET"
OAUTH = {
    "GOOGLE_ADS_CLIENT_ID": "client-id.apps.googleusercontent.com",
    "GOOGLE_ADS_CLIENT_SECRET": CLIENT_SECRET,
    "GOOGLE_ADS_REFRESH_TOKEN": REFRESH,
}


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    """An environment whose HOME has no google-ads.yaml, plus ``values``."""
    return {"HOME": str(tmp_path), **values}


def problems_of(settings: Settings) -> list[str]:
    with pytest.raises(ConfigurationError) as caught:
        settings.google_ads()
    return caught.value.problems


def test_every_variable_is_read(tmp_path: Path) -> None:
    settings = Settings.from_env(
        env(
            tmp_path,
            **OAUTH,
            MCC_CUSTOMER_ID="123-456-7890",
            MCC_STORE="sqlite:///tmp/x.db",
            MCCLINK_DEBUG="1",
            GOOGLE_ADS_DEVELOPER_TOKEN=DEV_TOKEN,
            GOOGLE_ADS_LOGIN_CUSTOMER_ID="111-222-3333",
            GOOGLE_ADS_ENDPOINT="localhost:50551",
            GOOGLE_ADS_TOKEN_URI="http://127.0.0.1:8080/token",
        )
    )
    google = settings.google_ads()

    assert settings.mcc_customer_id == CustomerId("1234567890")
    assert settings.store_url == "sqlite:///tmp/x.db"
    assert settings.debug is True
    assert google == GoogleAdsSettings(
        endpoint="localhost:50551",
        token_uri="http://127.0.0.1:8080/token",
        client_id="client-id.apps.googleusercontent.com",
        client_secret=Secret(CLIENT_SECRET),
        refresh_token=Secret(REFRESH),
        developer_token=Secret(DEV_TOKEN),
        login_customer_id=CustomerId("1112223333"),
    )


def test_defaults_are_googles_endpoint_and_token_uri_without_developer_token(
    tmp_path: Path,
) -> None:
    google = Settings.from_env(env(tmp_path, **OAUTH)).google_ads()

    assert (google.endpoint, google.token_uri) == (DEFAULT_ENDPOINT, DEFAULT_TOKEN_URI)
    assert google.developer_token is None
    assert google.login_customer_id is None
    assert not google.uses_service_account


def test_store_only_settings_need_no_google_credentials(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path, MCC_STORE="sqlite:///x.db"))

    assert settings.store_url == "sqlite:///x.db"
    assert settings.require_mcc(CustomerId("1234567890")) == CustomerId("1234567890")


def test_require_mcc_prefers_the_explicit_one(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path, MCC_CUSTOMER_ID="1234567890"))

    assert settings.require_mcc(CustomerId("9998887777")) == CustomerId("9998887777")
    assert settings.require_mcc(None) == CustomerId("1234567890")


def test_require_mcc_without_any_says_how_to_give_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"--mcc .*MCC_CUSTOMER_ID"):
        Settings.from_env(env(tmp_path)).require_mcc(None)


def test_malformed_mcc_is_reported_by_require_mcc_with_the_value(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path, MCC_CUSTOMER_ID="12-34"))

    with pytest.raises(ConfigurationError, match=r"MCC_CUSTOMER_ID: .*'12-34'"):
        settings.require_mcc(None)


def test_every_problem_is_collected_in_one_error(tmp_path: Path) -> None:
    container = Container(
        environ=env(
            tmp_path,
            MCC_CUSTOMER_ID="not-an-id",
            GOOGLE_ADS_LOGIN_CUSTOMER_ID="123",
            GOOGLE_ADS_ENDPOINT="localhost",
            GOOGLE_ADS_TOKEN_URI="ftp://x",
        )
    )

    with pytest.raises(ConfigurationError) as caught:
        container.require_google_ads()
    problems = caught.value.problems

    joined = "\n".join(problems)
    for name in (
        "MCC_CUSTOMER_ID",
        "GOOGLE_ADS_CLIENT_ID",
        "GOOGLE_ADS_CLIENT_SECRET",
        "GOOGLE_ADS_REFRESH_TOKEN",
        "GOOGLE_ADS_LOGIN_CUSTOMER_ID",
        "GOOGLE_ADS_ENDPOINT",
        "GOOGLE_ADS_TOKEN_URI",
    ):
        assert name in joined
    assert len(problems) == 7


def test_a_missing_mcc_and_missing_google_settings_are_one_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Container(environ=env(tmp_path)).require_google_ads()

    assert [p.split(" ", 1)[0] for p in caught.value.problems] == [
        "no",
        "GOOGLE_ADS_CLIENT_ID",
        "GOOGLE_ADS_CLIENT_SECRET",
        "GOOGLE_ADS_REFRESH_TOKEN",
    ]
    assert caught.value.problems[0].startswith("no MCC given: pass --mcc")


def test_an_explicit_mcc_outweighs_a_malformed_mcc_customer_id_for_google_too(
    tmp_path: Path,
) -> None:
    container = Container(
        environ=env(tmp_path, **OAUTH, MCC_CUSTOMER_ID="12-34"), mcc=CustomerId("1234567890")
    )

    assert container.require_google_ads() == CustomerId("1234567890")


def test_google_ads_settings_alone_do_not_need_an_mcc(tmp_path: Path) -> None:
    assert Settings.from_env(env(tmp_path, **OAUTH, MCC_CUSTOMER_ID="12-34")).google_ads()


def test_check_all_lists_the_problems_of_every_check_in_order() -> None:
    def broken(*problems: str) -> Callable[[], object]:
        def check() -> object:
            raise ConfigurationError(list(problems))

        return check

    with pytest.raises(ConfigurationError) as caught:
        check_all(broken("a", "b"), lambda: None, broken("c"))

    assert caught.value.problems == ["a", "b", "c"]
    check_all(lambda: None)  # no problem, no error


def test_check_all_names_a_problem_two_checks_share_once() -> None:
    # mcclink web: MCC_TRUSTED_PROXIES is read by both the web settings and the onboarding
    # settings; a malformed value was listed twice in the one error.
    def broken(*problems: str) -> Callable[[], object]:
        def check() -> object:
            raise ConfigurationError(list(problems))

        return check

    with pytest.raises(ConfigurationError) as caught:
        check_all(broken("a", "proxy"), broken("proxy", "b"))

    assert caught.value.problems == ["a", "proxy", "b"]


def test_missing_oauth_piece_names_the_variable_and_the_fix(tmp_path: Path) -> None:
    partial = {k: v for k, v in OAUTH.items() if k != "GOOGLE_ADS_REFRESH_TOKEN"}

    problems = problems_of(Settings.from_env(env(tmp_path, **partial)))

    assert len(problems) == 1
    assert problems[0].startswith("GOOGLE_ADS_REFRESH_TOKEN is not set: set it")
    assert "GOOGLE_ADS_JSON_KEY_FILE_PATH" in problems[0]


def test_secrets_are_hidden_from_repr_str_and_errors(tmp_path: Path) -> None:
    settings = Settings.from_env(
        env(tmp_path, **OAUTH, GOOGLE_ADS_DEVELOPER_TOKEN=DEV_TOKEN, GOOGLE_ADS_ENDPOINT="bad")
    )
    with pytest.raises(ConfigurationError) as caught:
        settings.google_ads()
    google = Settings.from_env(env(tmp_path, **OAUTH, GOOGLE_ADS_DEVELOPER_TOKEN=DEV_TOKEN))

    valid = google.google_ads()
    shown = " ".join([repr(settings), str(settings), str(caught.value), repr(valid), str(valid)])
    for secret in (REFRESH, CLIENT_SECRET, DEV_TOKEN):
        assert secret not in shown
    assert str(Secret(REFRESH)) == "Secret('********')"
    assert valid.refresh_token is not None
    assert valid.refresh_token.reveal() == REFRESH


def test_yaml_file_fills_what_the_environment_lacks(tmp_path: Path) -> None:
    (tmp_path / "google-ads.yaml").write_text(
        "client_id: from-yaml\n"
        "client_secret: yaml-secret\n"
        "refresh_token: yaml-refresh\n"
        "developer_token: yaml-dev\n"
        "login_customer_id: 1112223333\n"
        "endpoint: localhost:1234\n"
        "use_proto_plus: true\n"
    )
    settings = Settings.from_env(env(tmp_path, GOOGLE_ADS_CLIENT_ID="from-env"))

    google = settings.google_ads()

    assert google.client_id == "from-env"  # the environment wins
    assert google.refresh_token == Secret("yaml-refresh")
    assert google.developer_token == Secret("yaml-dev")
    assert google.login_customer_id == CustomerId("1112223333")
    assert google.endpoint == "localhost:1234"


def test_configuration_file_path_names_the_yaml(tmp_path: Path) -> None:
    named = tmp_path / "conf" / "ads.yaml"
    named.parent.mkdir()
    named.write_text("client_id: a\nclient_secret: b\nrefresh_token: c\n")
    environ = env(tmp_path, GOOGLE_ADS_CONFIGURATION_FILE_PATH=str(named))

    assert Settings.from_env(environ).google_ads().client_id == "a"


def test_missing_named_yaml_is_a_problem_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    settings = Settings.from_env(
        env(tmp_path, **OAUTH, GOOGLE_ADS_CONFIGURATION_FILE_PATH=str(missing))
    )

    (problem,) = problems_of(settings)

    assert str(missing) in problem
    assert "GOOGLE_ADS_CONFIGURATION_FILE_PATH" in problem


def test_unreadable_yaml_is_a_problem_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "google-ads.yaml"
    path.mkdir()  # unreadable as a file, even for root

    (problem,) = problems_of(Settings.from_env(env(tmp_path, **OAUTH)))

    assert str(path) in problem
    assert "cannot read" in problem


def test_malformed_yaml_names_the_file_and_line_but_not_its_text(tmp_path: Path) -> None:
    path = tmp_path / "google-ads.yaml"
    path.write_text(f"client_id: a\nrefresh_token: [{REFRESH}\nclient_secret: x\n")

    problems = problems_of(Settings.from_env(env(tmp_path, **OAUTH)))

    assert len(problems) == 1
    assert str(path) in problems[0]
    assert "not valid YAML" in problems[0]
    assert "line" in problems[0]
    assert REFRESH not in problems[0]


def test_yaml_that_is_not_a_mapping_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "google-ads.yaml").write_text("- a\n- b\n")

    (problem,) = problems_of(Settings.from_env(env(tmp_path, **OAUTH)))

    assert "must be a mapping" in problem


def test_service_account_needs_no_oauth_pieces(tmp_path: Path) -> None:
    key = tmp_path / "key.json"
    key.write_text("{}")
    settings = Settings.from_env(
        env(
            tmp_path,
            GOOGLE_ADS_JSON_KEY_FILE_PATH=str(key),
            GOOGLE_ADS_IMPERSONATED_EMAIL="ads@agency.example",
        )
    )

    google = settings.google_ads()

    assert google.uses_service_account
    assert google.json_key_file_path == key
    assert google.impersonated_email == "ads@agency.example"


def test_missing_service_account_key_file_is_a_problem(tmp_path: Path) -> None:
    key = tmp_path / "absent.json"
    settings = Settings.from_env(env(tmp_path, GOOGLE_ADS_JSON_KEY_FILE_PATH=str(key)))

    (problem,) = problems_of(settings)

    assert problem.startswith("GOOGLE_ADS_JSON_KEY_FILE_PATH")
    assert str(key) in problem


def test_impersonated_email_without_key_file_is_a_problem(tmp_path: Path) -> None:
    settings = Settings.from_env(
        env(tmp_path, **OAUTH, GOOGLE_ADS_IMPERSONATED_EMAIL="ads@agency.example")
    )

    (problem,) = problems_of(settings)

    assert problem.startswith("GOOGLE_ADS_IMPERSONATED_EMAIL is set without")


def test_blank_variables_count_as_unset(tmp_path: Path) -> None:
    settings = Settings.from_env(
        env(tmp_path, **OAUTH, GOOGLE_ADS_DEVELOPER_TOKEN="  ", MCC_CUSTOMER_ID=" ")
    )

    assert settings.google_ads().developer_token is None
    assert settings.mcc_customer_id is None
    assert settings.mcc_problem is None


def test_from_env_opens_no_file(tmp_path: Path) -> None:
    path = tmp_path / "google-ads.yaml"
    path.write_text(": : not yaml [")

    settings = Settings.from_env(env(tmp_path, **OAUTH))

    assert settings.yaml_path == path  # found, but read only by google_ads()


def test_yaml_customer_id_is_read_as_written_not_as_a_number(tmp_path: Path) -> None:
    (tmp_path / "google-ads.yaml").write_text("login_customer_id: 0123456701\n")

    google = Settings.from_env(env(tmp_path, **OAUTH)).google_ads()

    assert google.login_customer_id == CustomerId("0123456701")


def test_yaml_key_with_a_nested_value_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "google-ads.yaml").write_text("endpoint:\n  host: localhost\n")

    (problem,) = problems_of(Settings.from_env(env(tmp_path, **OAUTH)))

    assert problem.startswith("endpoint in ")
    assert "single value" in problem
