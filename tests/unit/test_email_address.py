"""#14 review: the e-mail check (clients' e-mails and the mail module's addresses) takes a
dot-atom local part and a domain of non-empty LDH or internationalized labels."""

from __future__ import annotations

import pytest

from mcclink.domain import check_client_fields, is_email_address
from mcclink.errors import InputError


@pytest.mark.parametrize(
    "address",
    [
        "ana@example.com",
        "ana.maria+ads@padaria-sol.com.br",
        "o'neil!#$%&*/=?^_`{|}~-@example.co",
        "joão@padaria-são.com.br",
        "ana@xn--padaria-so-m8a.com.br",
        "contato@सीडैक.भारत",
    ],
)
def test_plain_and_international_addresses_pass(address: str) -> None:
    assert is_email_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "a@b..co",
        "a@.b.co",
        "a@b.co.",
        "<script>@x.co",
        "a<b>@x.co",
        '"ana"@x.co',
        "ana..maria@x.co",
        ".ana@x.co",
        "ana.@x.co",
        "ana@-x.co",
        "ana@x-.co",
        "ana@x_y.co",
        "ana@x.co>",
        "ana@localhost",
        "ana maria@x.co",
        "ana\u00a0maria@x.co",
        "a@b@x.co",
        "a" * 65 + "@x.co",
        "@x.co",
    ],
)
def test_addresses_outside_rfc_5322s_dot_atom_are_refused(address: str) -> None:
    assert not is_email_address(address)
    with pytest.raises(InputError, match="invalid e-mail"):
        check_client_fields("Padaria", address, {})
