"""The reminder an advertiser gets: subject, plain text and HTML, in Brazilian Portuguese or
English, from the standard library only (``string.Template``; the Lambda sends mail too).

Every value is escaped for the HTML part; the plain part is as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from string import Template

from mcclink.config import DEFAULT_LOCALE
from mcclink.domain import Client


@dataclass(frozen=True)
class _Wording:
    subject: Template
    greeting: Template
    ask: Template
    means: tuple[str, ...]
    action: str
    expires: Template
    unsubscribe: str
    date_format: str


_WORDING: dict[str, _Wording] = {
    "pt-BR": _Wording(
        subject=Template("Lembrete: $agency aguarda sua aprovação no Google Ads"),
        greeting=Template("Olá, $name."),
        ask=Template(
            "$agency convidou a conta do Google Ads $customer para ser gerenciada pela "
            "conta de administrador (MCC) $mcc, e o convite ainda aguarda sua resposta."
        ),
        means=(
            "Aceitar permite que a agência veja e altere campanhas, anúncios e relatórios "
            "desta conta.",
            "A conta continua sua: o faturamento e os demais acessos não mudam.",
            "Você pode remover o acesso quando quiser no Google Ads, em Administrador > "
            "Acesso e segurança > Administradores.",
        ),
        action="Aceitar o convite",
        expires=Template("Este link vale até $expires (UTC)."),
        unsubscribe="Não quer mais receber estes lembretes? Cancele a inscrição:",
        date_format="%d/%m/%Y %H:%M",
    ),
    "en": _Wording(
        subject=Template("Reminder: $agency is waiting for your approval in Google Ads"),
        greeting=Template("Hello, $name."),
        ask=Template(
            "$agency invited the Google Ads account $customer to be managed by the manager "
            "account (MCC) $mcc, and the invitation is still waiting for your answer."
        ),
        means=(
            "Accepting lets the agency see and change this account's campaigns, ads and reports.",
            "The account stays yours: billing and everyone else's access do not change.",
            "You can remove the access at any time in Google Ads, under Admin > Access and "
            "security > Managers.",
        ),
        action="Accept the invitation",
        expires=Template("This link works until $expires (UTC)."),
        unsubscribe="No more reminders? Unsubscribe:",
        date_format="%Y-%m-%d %H:%M",
    ),
}

_HTML = Template(
    """<!DOCTYPE html>
<html lang="$lang"><head><meta charset="utf-8"><title>$subject</title></head>
<body style="font-family: sans-serif; line-height: 1.5; max-width: 36em">
<p>$greeting</p>
<p>$ask</p>
<ul>
$means</ul>
<p><a href="$url" style="display: inline-block; padding: .6em 1.2em; background: #1a73e8;
color: #fff; text-decoration: none; border-radius: 4px">$action</a></p>
<p style="color: #555">$expires<br>$url</p>
<p style="color: #555; font-size: small">$unsubscribe
<a href="$unsubscribe_url">$unsubscribe_url</a></p>
</body></html>
"""
)


@dataclass(frozen=True)
class Rendered:
    """One reminder, ready to be put in a message."""

    subject: str
    text: str
    html: str


def render(
    client: Client,
    *,
    agency: str,
    url: str,
    unsubscribe_url: str,
    expires_at: datetime,
    locale: str,
) -> Rendered:
    """The reminder to ``client`` carrying the onboarding link ``url``, in ``locale``
    (``pt-BR`` or ``en``; anything else is written in ``DEFAULT_LOCALE``)."""
    lang = locale if locale in _WORDING else DEFAULT_LOCALE
    wording = _WORDING[lang]
    values = {
        "agency": agency,
        "name": client.name,
        "customer": client.customer_id.dashed,
        "mcc": client.mcc_customer_id.dashed,
        "expires": expires_at.strftime(wording.date_format),
    }
    subject = wording.subject.substitute(values)
    greeting = wording.greeting.substitute(values)
    ask = wording.ask.substitute(values)
    expires = wording.expires.substitute(values)
    text = "\n\n".join(
        [
            greeting,
            ask,
            "\n".join(f"- {line}" for line in wording.means),
            f"{wording.action}: {url}",
            expires,
            f"--\n{wording.unsubscribe} {unsubscribe_url}",
        ]
    )
    html = _HTML.substitute(
        lang=lang,
        subject=escape(subject),
        greeting=escape(greeting),
        ask=escape(ask),
        means="".join(f"<li>{escape(line)}</li>\n" for line in wording.means),
        url=escape(url),
        action=escape(wording.action),
        expires=escape(expires),
        unsubscribe=escape(wording.unsubscribe),
        unsubscribe_url=escape(unsubscribe_url),
    )
    return Rendered(subject, text + "\n", html)
