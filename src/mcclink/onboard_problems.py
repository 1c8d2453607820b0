"""What an advertiser reads when an account could not be linked: plain words and what to do.

A small catalogue in English and Brazilian Portuguese, keyed by Google's error codes (as
``mcclink.ads.errors`` names them: ``ManagerLinkError.TOO_MANY_MANAGERS``). Where Google's
code alone does not say whose problem it is (a permission refused to the agency's
credentials is not the advertiser's), the side that made the call decides. The codes are
those of Google's reference (ManagerLinkError, CustomerClientLinkError,
CustomerManagerLinkError, AuthorizationError, AuthenticationError) and the emulator's choices
in ``mcclink.emulator.failures`` (e.g. ``INVALID_CHANGE`` for test vs production).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from mcclink.domain import CustomerId
from mcclink.errors import (
    AuthenticationFailed,
    GoogleAdsError,
    PermissionDenied,
    StoreUnavailable,
    TransientError,
)


class Side(StrEnum):
    """Whose credentials made the call that failed."""

    AGENCY = "agency"  # the MCC's invitation
    ADVERTISER = "advertiser"  # reading the account, accepting as the client


class Reason(StrEnum):
    """Why an account was not linked (or cannot be chosen): one entry of the catalogue."""

    NO_ADMIN = "no_admin"
    NOT_REACHED = "not_reached"
    OTHER_ACCOUNT = "other_account"
    TOO_MANY_MANAGERS = "too_many_managers"
    TOO_MANY_INVITATIONS = "too_many_invitations"
    TEST_VS_PRODUCTION = "test_vs_production"
    IN_HIERARCHY = "in_hierarchy"
    NOT_FOUND = "not_found"
    NOT_ENABLED = "not_enabled"
    NO_ADMIN_USER = "no_admin_user"
    MANAGER_FULL = "manager_full"
    CANNOT_LINK = "cannot_link"
    UNAVAILABLE = "unavailable"
    SIGN_IN_EXPIRED = "sign_in_expired"
    AGENCY_SETUP = "agency_setup"
    REFUSED = "refused"


def _codes(reason: Reason, *codes: str) -> dict[str, Reason]:
    return dict.fromkeys(codes, reason)


#: Google's codes that say the same thing whoever called.
_BY_CODE: Mapping[str, Reason] = MappingProxyType(
    {
        **_codes(
            Reason.TOO_MANY_MANAGERS,
            "ManagerLinkError.TOO_MANY_MANAGERS",
            "CustomerClientLinkError.CLIENT_HAS_TOO_MANY_MANAGERS",
        ),
        **_codes(
            Reason.TOO_MANY_INVITATIONS,
            "ManagerLinkError.TOO_MANY_INVITES",
            "CustomerClientLinkError.CLIENT_HAS_TOO_MANY_INVITATIONS",
        ),
        **_codes(
            Reason.TEST_VS_PRODUCTION,
            "ManagerLinkError.INVALID_CHANGE",
            "ManagerLinkError.ACCOUNTS_NOT_COMPATIBLE_FOR_LINKING",
        ),
        **_codes(
            Reason.IN_HIERARCHY,
            "ManagerLinkError.ALREADY_MANAGED_IN_HIERARCHY",
            "CustomerClientLinkError.CLIENT_ALREADY_MANAGED_IN_HIERARCHY",
        ),
        **_codes(
            Reason.NOT_FOUND,
            "AuthenticationError.CUSTOMER_NOT_FOUND",
            "AuthenticationError.CLIENT_CUSTOMER_ID_INVALID",
            "RequestError.INVALID_CUSTOMER_ID",
        ),
        **_codes(Reason.NOT_ENABLED, "AuthorizationError.CUSTOMER_NOT_ENABLED"),
        **_codes(Reason.NO_ADMIN_USER, "ManagerLinkError.CLIENT_HAS_NO_ADMIN_USER"),
        **_codes(
            Reason.MANAGER_FULL,
            "ManagerLinkError.TOO_MANY_ACCOUNTS",
            "ManagerLinkError.TOO_MANY_ACCOUNTS_AT_MANAGER",
            "CustomerClientLinkError.CUSTOMER_HAS_TOO_MANY_ACCOUNTS",
            "CustomerClientLinkError.CUSTOMER_HAS_TOO_MANY_ACCOUNTS_AT_MANAGER",
            "CustomerManagerLinkError.MANAGER_HAS_MAX_NUMBER_OF_LINKED_ACCOUNTS",
            "ManagerLinkError.SUSPENDED_ACCOUNT_CANNOT_ADD_CLIENTS",
        ),
        **_codes(
            Reason.CANNOT_LINK,
            "ManagerLinkError.CYCLE_NOT_ALLOWED",
            "CustomerClientLinkError.CYCLIC_LINK_NOT_ALLOWED",
            "ManagerLinkError.CUSTOMER_CANNOT_MANAGE_SELF",
            "ManagerLinkError.MAX_DEPTH_EXCEEDED",
        ),
    }
)

#: Refusals of the advertiser's own access: only ADMIN may answer a manager's invitation
#: (ACTION_NOT_PERMITTED); USER_PERMISSION_DENIED when the sign-in cannot open the account.
_ADVERTISER_ACCESS: Mapping[str, Reason] = MappingProxyType(
    {
        "AuthorizationError.ACTION_NOT_PERMITTED": Reason.NO_ADMIN,
        "AuthorizationError.USER_PERMISSION_DENIED": Reason.NOT_REACHED,
    }
)

_MANAGERS_PATH_EN = "Google Ads: Admin > Access and security > Managers"
_MANAGERS_PATH_PT = "Google Ads: Administrador > Acesso e segurança > Administradores"

#: reason -> (English, Brazilian Portuguese); ``{account}`` is the account's customer id.
CATALOGUE: Mapping[Reason, tuple[str, str]] = MappingProxyType(
    {
        Reason.NO_ADMIN: (
            "Only an administrator of account {account} can accept. Ask one of its "
            "administrators (Google Ads: Admin > Access and security lists them) to open "
            f"this same link, or to accept the invitation in {_MANAGERS_PATH_EN}: it is "
            "waiting there.",
            "Só um administrador da conta {account} pode aceitar. Peça a um dos "
            "administradores (no Google Ads, Administrador > Acesso e segurança mostra quem "
            "são) que abra este mesmo link, ou que aceite o convite em "
            f"{_MANAGERS_PATH_PT}: ele está esperando lá.",
        ),
        Reason.NOT_REACHED: (
            "The Google account you signed in with cannot open account {account}. Sign in "
            "with a Google account that is an administrator of it.",
            "A conta do Google com que você entrou não abre a conta {account}. Entre com uma "
            "conta do Google que seja administradora dela.",
        ),
        Reason.OTHER_ACCOUNT: (
            "This link is for another account. To give access to {account}, ask the agency "
            "for a link for it.",
            "Este link é para outra conta. Para dar acesso à conta {account}, peça à agência "
            "um link para ela.",
        ),
        Reason.TOO_MANY_MANAGERS: (
            "Account {account} already has 5 managers, the most Google allows. Remove one it "
            f"no longer needs ({_MANAGERS_PATH_EN}, then Remove), then open this link again.",
            "A conta {account} já tem 5 administradores, o máximo que o Google permite. "
            f"Remova um de que ela não precisa mais ({_MANAGERS_PATH_PT}, depois Remover) e "
            "abra este link de novo.",
        ),
        Reason.TOO_MANY_INVITATIONS: (
            "Account {account} has too many invitations waiting. Decline the ones you do not "
            f"want ({_MANAGERS_PATH_EN}), then open this link again.",
            "A conta {account} tem convites demais esperando. Recuse os que você não quer "
            f"({_MANAGERS_PATH_PT}) e abra este link de novo.",
        ),
        Reason.TEST_VS_PRODUCTION: (
            "Account {account} and the agency's manager account are of different kinds: one "
            "is a test account and the other a real one, and Google never links the two. "
            "Choose a real account, or ask the agency for a link from its test manager account.",
            "A conta {account} e a conta de administrador da agência são de tipos diferentes: "
            "uma é de teste e a outra é real, e o Google nunca vincula as duas. Escolha uma "
            "conta real, ou peça à agência um link da conta de administrador de teste dela.",
        ),
        Reason.IN_HIERARCHY: (
            "Account {account} is already managed by another manager account of this agency, "
            "so the agency already reaches it. Nothing to do here; if it should be linked "
            "directly, tell the agency.",
            "A conta {account} já é gerenciada por outra conta de administrador desta "
            "agência, então a agência já tem acesso a ela. Não é preciso fazer nada; se ela "
            "deve ser vinculada diretamente, avise a agência.",
        ),
        Reason.NOT_FOUND: (
            "Google Ads has no account {account}. Check the number, or sign in with the "
            "Google account that has it.",
            "O Google Ads não tem a conta {account}. Confira o número, ou entre com a conta "
            "do Google que tem acesso a ela.",
        ),
        Reason.NOT_ENABLED: (
            "Account {account} is cancelled or not set up yet, so it cannot be linked. An "
            "administrator can reactivate it in Google Ads; then open this link again.",
            "A conta {account} está cancelada ou ainda não foi configurada, então não pode "
            "ser vinculada. Um administrador pode reativá-la no Google Ads; depois abra este "
            "link de novo.",
        ),
        Reason.NO_ADMIN_USER: (
            "Account {account} has no active administrator, and Google needs one to link it. "
            "Add one in Google Ads (Admin > Access and security), then open this link again.",
            "A conta {account} não tem nenhum administrador ativo, e o Google precisa de um "
            "para vinculá-la. Adicione um no Google Ads (Administrador > Acesso e segurança) "
            "e abra este link de novo.",
        ),
        Reason.MANAGER_FULL: (
            "The agency's manager account cannot take more accounts right now. Nothing "
            "changed in account {account}; tell the agency.",
            "A conta de administrador da agência não pode receber mais contas agora. Nada "
            "mudou na conta {account}; avise a agência.",
        ),
        Reason.CANNOT_LINK: (
            "Account {account} cannot go under the agency's manager account: it is that "
            "account, or above it, or the tree would be too deep. Nothing changed; tell the "
            "agency.",
            "A conta {account} não pode ficar sob a conta de administrador da agência: é a "
            "própria conta, ou está acima dela, ou a árvore ficaria funda demais. Nada mudou; "
            "avise a agência.",
        ),
        Reason.UNAVAILABLE: (
            "Google Ads did not answer in time for account {account}. Nothing is lost: what "
            "was done is recorded. Open this link again in a few minutes to finish.",
            "O Google Ads não respondeu a tempo para a conta {account}. Nada se perdeu: o "
            "que foi feito está registrado. Abra este link de novo em alguns minutos para "
            "concluir.",
        ),
        Reason.SIGN_IN_EXPIRED: (
            "Your sign-in is no longer valid, so account {account} was not linked. Open this "
            "link again and sign in.",
            "Seu login não vale mais, então a conta {account} não foi vinculada. Abra este "
            "link de novo e entre.",
        ),
        Reason.AGENCY_SETUP: (
            "The agency's connection to Google Ads failed, so its invitation to account "
            "{account} could not be sent. Nothing changed in your account; tell the agency.",
            "A conexão da agência com o Google Ads falhou, então o convite para a conta "
            "{account} não pôde ser enviado. Nada mudou na sua conta; avise a agência.",
        ),
        Reason.REFUSED: (
            "Google Ads refused to link account {account} (Google's code is below). Nothing "
            "else changed; try again later, or tell the agency.",
            "O Google Ads recusou vincular a conta {account} (o código do Google está "
            "abaixo). Nada mais mudou; tente de novo mais tarde, ou avise a agência.",
        ),
    }
)


def reason_for(error: Exception, side: Side) -> Reason:
    """The catalogue entry for ``error``, raised by a call made with ``side``'s credentials."""
    if isinstance(error, TransientError | StoreUnavailable):
        return Reason.UNAVAILABLE
    code = error.code if isinstance(error, GoogleAdsError) else ""
    if code in _BY_CODE:
        return _BY_CODE[code]
    if side is Side.AGENCY:
        return (
            Reason.AGENCY_SETUP
            if isinstance(error, PermissionDenied | AuthenticationFailed)
            else Reason.REFUSED
        )
    if code in _ADVERTISER_ACCESS:
        return _ADVERTISER_ACCESS[code]
    return Reason.SIGN_IN_EXPIRED if isinstance(error, AuthenticationFailed) else Reason.REFUSED


def explain(reason: Reason, account: CustomerId, locale: str) -> str:
    """The plain words for ``reason`` about ``account``: Portuguese for any ``pt`` locale."""
    english, portuguese = CATALOGUE[reason]
    text = portuguese if locale.lower().startswith("pt") else english
    return text.format(account=account)
