"""The advertiser's pages in English and Brazilian Portuguese, chosen by ``Accept-Language``.

A small catalogue, no gettext: a few dozen sentences in two languages. Each entry is a
``str.format`` template; the pages escape what is filled in (Jinja's autoescape).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

Locale = Literal["en", "pt-BR"]
DEFAULT_LOCALE: Locale = "en"
#: Any Portuguese reads the Brazilian text; any English the English one.
_LANGUAGES: dict[str, Locale] = {"pt": "pt-BR", "en": "en"}

#: key -> (English, Portuguese)
CATALOGUE: dict[str, tuple[str, str]] = {
    "page_title": ("Google Ads access for {agency}", "Acesso ao Google Ads para {agency}"),
    "heading": (
        "{agency} asks to manage your Google Ads",
        "{agency} pede para gerenciar seu Google Ads",
    ),
    "asks_one": (
        "{agency} (manager account {mcc}) asks for access to your Google Ads account {account}.",
        "{agency} (conta de administrador {mcc}) pede acesso à sua conta do Google Ads {account}.",
    ),
    "asks_any": (
        "{agency} (manager account {mcc}) asks for access to your Google Ads accounts: you "
        "choose which ones after signing in.",
        "{agency} (conta de administrador {mcc}) pede acesso às suas contas do Google Ads: "
        "você escolhe quais depois de entrar.",
    ),
    "allows_title": ("What this access lets {agency} do", "O que este acesso permite à {agency}"),
    "allows_manage": (
        "See and change your campaigns, ads, budgets and bids, and read your reports.",
        "Ver e alterar suas campanhas, anúncios, orçamentos e lances, e ler seus relatórios.",
    ),
    "allows_owner": (
        "You stay the owner: your users, payments and the account itself remain yours, and "
        "every change the agency makes shows in the account's change history.",
        "Você continua dono: seus usuários, pagamentos e a própria conta continuam seus, e "
        "toda alteração da agência aparece no histórico de alterações da conta.",
    ),
    "remove_title": ("How to remove it later", "Como remover depois"),
    "remove_how": (
        "In Google Ads, open Admin, then Access and security, then the Managers tab, and "
        "choose Remove next to {agency}. Nothing else in your account changes.",
        "No Google Ads, abra Administrador, depois Acesso e segurança, depois a guia "
        "Administradores, e escolha Remover ao lado de {agency}. Nada mais muda na sua conta.",
    ),
    "signin": ("Sign in with Google", "Fazer login com o Google"),
    "signin_note": (
        "You sign in on Google's own page: {agency} never sees your password. Your sign-in "
        "is used only now, to accept the invitation for the accounts you choose, and is not "
        "kept.",
        "Você entra na própria página do Google: a {agency} nunca vê sua senha. Seu login é "
        "usado só agora, para aceitar o convite nas contas que você escolher, e não é guardado.",
    ),
    "choose_title": ("Choose the accounts", "Escolha as contas"),
    "choose_intro": (
        "Signed in as {email}. Choose the accounts {agency} may manage:",
        "Conectado como {email}. Escolha as contas que a {agency} pode gerenciar:",
    ),
    "choose_none": (
        "{email} reaches no Google Ads account. Sign in with the Google account that has "
        "access to your Google Ads account.",
        "{email} não tem acesso a nenhuma conta do Google Ads. Entre com a conta do Google "
        "que tem acesso à sua conta do Google Ads.",
    ),
    "choose_nothing": ("Choose at least one account.", "Escolha pelo menos uma conta."),
    "choose_button": ("Give access", "Dar acesso"),
    "other_account": ("Use another Google account", "Usar outra conta do Google"),
    "test_account": ("test account", "conta de teste"),
    "results_title": ("Result", "Resultado"),
    "linked": (
        "Done: {agency} now manages this account.",
        "Pronto: a {agency} agora gerencia esta conta.",
    ),
    "failed": ("Not linked", "Não vinculada"),
    "google_code": ("Google's code: {code}", "Código do Google: {code}"),
    "try_again": ("Try again", "Tentar de novo"),
    "unknown_title": ("This link does not work", "Este link não funciona"),
    "unknown_text": (
        "Check that you opened the whole address you were sent, or ask {agency} for a new link.",
        "Confira se abriu o endereço completo que recebeu, ou peça um novo link à {agency}.",
    ),
    "expired_title": ("This link has expired", "Este link expirou"),
    "expired_text": ("Ask {agency} for a new link.", "Peça um novo link à {agency}."),
    "revoked_title": ("This link was withdrawn", "Este link foi cancelado"),
    "revoked_text": (
        "{agency} withdrew this link. Ask them for a new one.",
        "A {agency} cancelou este link. Peça um novo.",
    ),
    "denied_title": ("You did not give access", "Você não deu acesso"),
    "denied_text": (
        "Nothing was changed. If you change your mind, try again.",
        "Nada foi alterado. Se mudar de ideia, tente de novo.",
    ),
    "state_title": ("This sign-in expired", "Este login expirou"),
    "state_text": (
        "A sign-in must be finished within 10 minutes, in the browser it started in, and "
        "only once. Nothing was changed: open the link you were sent again.",
        "O login precisa terminar em 10 minutos, no navegador em que começou, e uma só vez. "
        "Nada foi alterado: abra de novo o link que você recebeu.",
    ),
    "refused_title": ("Google did not complete the sign-in", "O Google não concluiu o login"),
    "refused_text": ("Nothing was changed. Try again.", "Nada foi alterado. Tente de novo."),
    "scope_title": (
        "Google Ads access was not allowed",
        "O acesso ao Google Ads não foi permitido",
    ),
    "scope_text": (
        "On Google's page, allow access to Google Ads too: without it {agency} cannot accept "
        "its invitation for you. Nothing was changed.",
        "Na página do Google, permita também o acesso ao Google Ads: sem isso a {agency} não "
        "consegue aceitar o convite por você. Nada foi alterado.",
    ),
    "invalid_token_title": (
        "The sign-in could not be verified",
        "Não foi possível verificar o login",
    ),
    "invalid_token_text": (
        "Nothing was changed. Try again; if it happens again, tell {agency}.",
        "Nada foi alterado. Tente de novo; se acontecer outra vez, avise a {agency}.",
    ),
    "unavailable_title": (
        "Google is not answering right now",
        "O Google não está respondendo agora",
    ),
    "unavailable_text": (
        "Try again in a few minutes. Anything already done stays recorded, and trying again "
        "finishes it.",
        "Tente de novo em alguns minutos. O que já foi feito fica registrado, e tentar de novo "
        "conclui o resto.",
    ),
    "choice_title": ("This page has expired", "Esta página expirou"),
    "choice_text": (
        "For your security your sign-in is kept for 10 minutes and used once. Nothing was "
        "changed: open the link you were sent again.",
        "Por segurança, seu login fica guardado por 10 minutos e é usado uma vez. Nada foi "
        "alterado: abra de novo o link que você recebeu.",
    ),
    "csrf_title": ("The form came from another page", "O formulário veio de outra página"),
    "csrf_text": (
        "Nothing was changed. Open the link you were sent again.",
        "Nada foi alterado. Abra de novo o link que você recebeu.",
    ),
    "busy_title": ("Too many attempts", "Tentativas demais"),
    "busy_text": (
        "Wait {seconds} seconds and try again.",
        "Espere {seconds} segundos e tente de novo.",
    ),
    "off_title": ("Onboarding is not available", "O cadastro não está disponível"),
    "off_text": (
        "This server is not set up to sign advertisers in. Tell {agency}.",
        "Este servidor não está configurado para o login de anunciantes. Avise a {agency}.",
    ),
    "your_agency": ("your agency", "sua agência"),
    "unsubscribe_title": ("Stop the reminders", "Parar os lembretes"),
    "unsubscribe_text": (
        "{agency} will send no more reminder e-mails about this invitation. The invitation "
        "itself stays open: you can still accept it with the link you were sent.",
        "{agency} não enviará mais e-mails de lembrete sobre este convite. O convite continua "
        "aberto: você ainda pode aceitá-lo pelo link que recebeu.",
    ),
    "unsubscribe_button": ("Stop the reminders", "Parar os lembretes"),
    "unsubscribed_title": ("No more reminders", "Sem mais lembretes"),
    "unsubscribed_text": (
        "Done: {agency} will send you no more reminders about this invitation.",
        "Pronto: {agency} não enviará mais lembretes sobre este convite.",
    ),
}

Translate = Callable[..., str]


def negotiate(accept_language: str | None) -> Locale:
    """The best of our locales for an ``Accept-Language`` header (RFC 9110 12.5.4)."""
    best: tuple[float, Locale] | None = None
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().lower().split("-")[0]
        locale = _LANGUAGES.get(language)
        quality = _quality(params)
        if locale is not None and quality > 0 and (best is None or quality > best[0]):
            best = (quality, locale)
    return DEFAULT_LOCALE if best is None else best[1]


def translator(locale: Locale) -> Translate:
    """``t(key, **values)``: the sentence in ``locale``, filled in."""
    index = 1 if locale == "pt-BR" else 0

    def t(key: str, **values: object) -> str:
        return CATALOGUE[key][index].format(**values)

    return t


def _quality(params: str) -> float:
    name, _, value = params.strip().partition("=")
    if name.strip().lower() != "q":
        return 1.0
    try:
        return float(value)
    except ValueError:
        return 0.0
