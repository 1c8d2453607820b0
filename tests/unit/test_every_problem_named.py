"""#14 review: the field checks name every problem of a client, not only the first."""

from __future__ import annotations

import pytest

from mcclink.domain import check_client_fields
from mcclink.errors import InputError


def test_every_field_out_of_bounds_is_named_in_one_message() -> None:
    with pytest.raises(InputError) as caught:
        check_client_fields("N" * 300, "a@b..co", {"notes": "x" * 3000, "tab\t": "1"})

    message = str(caught.value)
    for phrase in (
        "the name has 300 characters: at most 255",
        "invalid e-mail 'a@b..co'",
        "the attribute 'notes' has 3,000 characters: at most 2,048",
        "the attribute name 'tab\\t' holds U+0009",
    ):
        assert phrase in message
