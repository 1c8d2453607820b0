"""Finding clients and history entries by what a person types.

One rule for the dashboard, the REST API and ``mcclink clients list --search``: names match
whatever the case and the accents (``acai`` finds ``Açaí``), ids by their digits whatever the
dashes (``333-4444`` finds ``222-333-4444``). History's actor filter (the dashboard's history
page, ``GET /api/v1/history?actor=``) is part of the actor, whatever the case.
"""

from __future__ import annotations

import re
import unicodedata

from mcclink.domain import Client

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
