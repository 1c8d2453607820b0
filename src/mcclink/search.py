"""Finding clients and history entries by what a person types.

One rule for the dashboard, the REST API and ``mcclink clients list --search``: names match
whatever the case and the accents (``acai`` finds ``Açaí``), ids by their digits whatever the
dashes (``333-4444`` finds ``222-333-4444``). History's actor filter (the dashboard's history
page, ``GET /api/v1/history?actor=``, ``mcclink history --actor``) is part of the actor,
whatever the case and the accents.
"""

from __future__ import annotations

import re
import unicodedata

from mcclink.domain import Client
from mcclink.errors import InputError

#: The longest actor filter: an actor is at most ``token:`` + a 32-character name + an
#: owner's e-mail address (254).
MAX_ACTOR_QUERY = 300

_ID_SEPARATORS = re.compile(r"[\s-]")


def folded(text: str) -> str:
    """``text`` as searches compare it: decomposed (NFKD), without combining marks, casefolded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def matches(client: Client, query: str | None) -> bool:
    """True when ``query`` is blank, is part of the client's name (case and accents aside), or
    its digits are part of the customer id."""
    text = folded((query or "").strip())
    if not text:
        return True
    digits = _ID_SEPARATORS.sub("", text)
    return text in folded(client.name) or (digits.isdigit() and digits in client.customer_id.digits)


def actor_matches(actor: str, query: str | None) -> bool:
    """True when ``query`` is blank or is part of ``actor`` (case and accents aside):
    ``ana@`` finds ``user:ana@agencia.com.br``, ``token:ci`` finds ``token:ci (cli:ana)``."""
    text = folded((query or "").strip())
    return not text or text in folded(actor)


def actor_query(raw: str) -> str:
    """The actor filter as typed, stripped.

    Raises:
        InputError: it is longer than any actor can be (``MAX_ACTOR_QUERY``).
    """
    if len(raw) > MAX_ACTOR_QUERY:
        raise InputError(
            f"the actor filter has {len(raw):,} characters: an actor has at most "
            f"{MAX_ACTOR_QUERY}; type a part of it (an e-mail address, token:ci)"
        )
    return raw.strip()
