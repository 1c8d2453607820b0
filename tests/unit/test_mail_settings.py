"""MCC_MAIL_URL and the other mail settings: what is accepted, what is refused (every problem
at once, each naming its variable), and that the password never shows."""

from __future__ import annotations

import pytest

from mcclink.bootstrap import Container
from mcclink.config import Settings
from mcclink.domain import Client, CustomerId
from mcclink.errors import ConfigurationError, InputError, MailRejected
from mcclink.mail import Mail, MailSettings, build_message, locale_for, new_message_id
from tests.fixtures.smtp import body

PASSWORD = "s3cr3t-P@ss"
FROM = {"MCC_MAIL_FROM": "ads@example.com"}


def settings(url: str, **more: str) -> MailSettings:
    found = MailSettings.from_env({"MCC_MAIL_URL": url, **FROM, **more})
    assert found is not None
    return found


def problems(environ: dict[str, str]) -> str:
    with pytest.raises(ConfigurationError) as caught:
        MailSettings.from_env(environ)
    return str(caught.value)


def test_no_mail_url_means_no_mail() -> None:
    assert MailSettings.from_env({"MCC_MAIL_FROM": "ads@example.com"}) is None
    assert Settings.from_env({}).mail is None
    assert Container(environ={}).mailer is None


def test_an_smtp_url_gives_host_port_and_the_percent_decoded_login() -> None:
    found = settings("smtp://ana%40example.com:s3cr3t-P%40ss@smtp.example.com:2525")
    assert (found.scheme, found.host, found.port) == ("smtp", "smtp.example.com", 2525)
    assert (found.username, found.password()) == ("ana@example.com", PASSWORD)
    assert found.target == "smtp://smtp.example.com:2525"
    assert settings("smtp://[::1]:25").target == "smtp://[::1]:25"


@pytest.mark.parametrize(
    ("url", "port"), [("smtp://smtp.example.com", 587), ("smtps://smtp.example.com", 465)]
)
def test_the_port_defaults_to_submission_or_implicit_tls(url: str, port: int) -> None:
    assert settings(url).port == port


def test_an_ses_url_names_its_region() -> None:
    found = settings("ses://?region=sa-east-1")
    assert (found.scheme, found.region, found.target) == ("ses", "sa-east-1", "ses://sa-east-1")
    assert settings("ses://").region is None


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("smtp.example.com:587", "has no scheme"),
        (f"http://user:{PASSWORD}@smtp.example.com", "scheme 'http://'"),
        (f"smtp://user:{PASSWORD}@:587", "needs a host"),
        (f"smtp://user:{PASSWORD}@smtp.example.com:99999", "is not a mail URL"),
        (f"smtp://user:{PASSWORD}@smtp.example.com:587/x", "needs a host and nothing after it"),
        (f"smtp://user:{PASSWORD}@smtp.example.com?tls=no", "take no parameters"),
        ("smtp://user@smtp.example.com", "both a user name and a password"),
        (f"smtp://:{PASSWORD}@smtp.example.com", "both a user name and a password"),
        (f"smtp://user:{PASSWORD} @smtp.example.com", "is not a mail URL"),
        (f"ses://user:{PASSWORD}@ses.example.com", "ses:// takes no host or credentials"),
        ("ses://?region=Sao Paulo", "is not a mail URL"),
        ("ses://?region=brazil", "region must be one AWS region"),
        ("ses://?region=sa-east-1&profile=x", "takes only region=, not profile"),
    ],
)
def test_a_malformed_url_is_refused_naming_the_variable_never_the_password(
    url: str, phrase: str
) -> None:
    message = problems({"MCC_MAIL_URL": url, **FROM})
    assert "MCC_MAIL_URL" in message
    assert phrase in message
    assert PASSWORD not in message
    assert "s3cr3t" not in message


def test_every_mail_setting_problem_comes_in_one_error() -> None:
    message = problems(
        {
            "MCC_MAIL_URL": "smtp://",
            "MCC_MAIL_REPLY_TO": "a@example.com, b@example.com",
            "MCC_LOCALE": "fr",
        }
    )
    for phrase in (
        "MCC_MAIL_URL needs a host",
        "MCC_MAIL_FROM is not set",
        "MCC_MAIL_REPLY_TO 'a@example.com, b@example.com' is not one e-mail address",
        "MCC_LOCALE 'fr' must be one of pt-BR, en",
    ):
        assert phrase in message


@pytest.mark.parametrize(
    "sender", ["ads", "ads@example.com\nBcc: x@example.com", "a@example.com, b@example.com"]
)
def test_the_sender_must_be_one_address_on_one_line(sender: str) -> None:
    message = problems({"MCC_MAIL_URL": "smtp://127.0.0.1:25", "MCC_MAIL_FROM": sender})
    assert "MCC_MAIL_FROM" in message
    assert "is not one e-mail address" in message


def test_settings_and_the_container_check_mail_settings_when_asked() -> None:
    environ = {"MCC_MAIL_URL": f"smtp://u:{PASSWORD}@mail.example.com:587"}
    with pytest.raises(ConfigurationError, match="MCC_MAIL_FROM is not set"):
        Settings.from_env(environ).mail  # noqa: B018 -- the property checks
    with pytest.raises(ConfigurationError, match="MCC_MAIL_FROM is not set"):
        Container(environ=environ).mailer  # noqa: B018


def test_the_password_is_in_no_repr() -> None:
    environ = {"MCC_MAIL_URL": f"smtps://u:{PASSWORD}@mail.example.com", **FROM}
    found = MailSettings.from_env(environ)
    assert PASSWORD not in repr(found)
    assert PASSWORD not in repr(Settings.from_env(environ))
    assert (
        repr(found)
        == "MailSettings(target='smtps://mail.example.com:465', sender='ads@example.com')"
    )


def test_the_sender_is_named_after_the_agency_when_it_has_no_name() -> None:
    named = settings("smtp://127.0.0.1:25", MCC_AGENCY_NAME="Agência Sol")
    assert named.from_header == "Agência Sol <ads@example.com>"
    own = MailSettings.from_env(
        {
            "MCC_MAIL_URL": "smtp://127.0.0.1:25",
            "MCC_MAIL_FROM": "Equipe <ads@example.com>",
            "MCC_AGENCY_NAME": "Agência Sol",
        }
    )
    assert own is not None
    assert own.from_header == "Equipe <ads@example.com>"
    assert own.sender_address == "ads@example.com"


def client(**attributes: str) -> Client:
    return Client(
        CustomerId.parse("1112223333"), CustomerId.parse("1234567890"), "Sol", attributes=attributes
    )


@pytest.mark.parametrize(
    ("attribute", "environ", "locale"),
    [
        ({}, {}, "pt-BR"),
        ({}, {"MCC_LOCALE": "en"}, "en"),
        ({"locale": "en-US"}, {}, "en"),
        ({"locale": "pt_BR"}, {"MCC_LOCALE": "en"}, "pt-BR"),
        ({"locale": "PT"}, {"MCC_LOCALE": "en"}, "pt-BR"),
        ({"locale": "de"}, {"MCC_LOCALE": "en"}, "en"),
    ],
)
def test_the_locale_comes_from_the_client_then_mcc_locale_then_pt_br(
    attribute: dict[str, str], environ: dict[str, str], locale: str
) -> None:
    assert locale_for(client(**attribute), environ) == locale


def test_an_unknown_mcc_locale_is_a_settings_problem() -> None:
    with pytest.raises(ConfigurationError, match="MCC_LOCALE 'fr' must be one of pt-BR, en"):
        locale_for(client(), {"MCC_LOCALE": "fr"})


def test_a_message_id_is_new_each_time_and_known_before_sending() -> None:
    first, second = new_message_id(), new_message_id()
    assert first != second
    assert first.startswith("<")
    assert first.endswith("@mcclink>")
    assert (
        Mail("a@example.com", "s", "t", "h").message_id
        != Mail("a@example.com", "s", "t", "h").message_id
    )


@pytest.mark.parametrize(
    ("to", "subject"),
    [
        ("not an address", "s"),
        ("a@example.com\r\nBcc: b@example.com", "s"),
        ("a@example.com", "s\nBcc: x"),
    ],
)
def test_a_mail_to_a_bad_address_or_with_a_two_line_subject_is_refused(
    to: str, subject: str
) -> None:
    with pytest.raises(InputError):
        Mail(to, subject, "t", "h")


def test_a_message_is_multipart_with_the_unsubscribe_headers_when_asked() -> None:
    found = settings("smtp://127.0.0.1:25", MCC_MAIL_REPLY_TO="contato@example.com")
    mail = Mail(
        "ana@example.com",
        "Convite pendente — ação necessária",
        "Olá, Ana: ação",
        "<p>Olá, <b>Ana</b></p>",
        unsubscribe_url="https://agency.example.com/onboard/t/unsubscribe",
    )
    message = build_message(mail, found)
    assert message["Message-ID"] == mail.message_id
    assert message["Reply-To"] == "contato@example.com"
    assert message["List-Unsubscribe"] == "<https://agency.example.com/onboard/t/unsubscribe>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    assert body(message, "plain").strip() == "Olá, Ana: ação"
    assert "<b>Ana</b>" in body(message, "html")
    assert message.as_bytes().isascii(), "7-bit clean for any relay"
    plain = build_message(Mail("ana@example.com", "s", "t", "h"), found)
    assert plain["List-Unsubscribe"] is None
    assert plain["List-Unsubscribe-Post"] is None


def test_a_domain_that_cannot_travel_as_idna_is_rejected_before_sending() -> None:
    found = settings("smtp://127.0.0.1:25")
    too_long = "ana@" + "ã" * 70 + ".com.br"  # a label over 63 characters
    with pytest.raises(MailRejected, match="not a valid internationalized domain name"):
        build_message(Mail(too_long, "s", "t", "h"), found)


def test_a_sender_whose_domain_cannot_travel_is_a_settings_problem() -> None:
    message = problems(
        {"MCC_MAIL_URL": "smtp://127.0.0.1:25", "MCC_MAIL_FROM": "ads@" + "é" * 70 + ".br"}
    )
    assert "MCC_MAIL_FROM" in message
    assert "is not one e-mail address" in message
