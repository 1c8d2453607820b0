"""#14 follow-up: ``exemplo_uso_mcc.py --customer-id`` without ``--real`` says that the option
applies only with ``--real`` (the emulator's demo accounts are used otherwise)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import clean_env
from tests.e2e.test_script_actions import ACAI, PADARIA, exemplo


@pytest.mark.parametrize("ids", [(PADARIA,), (PADARIA, ACAI)])
def test_customer_ids_without_real_are_refused_saying_they_need_real(
    ids: tuple[str, ...], tmp_path: Path
) -> None:
    env = {**clean_env(tmp_path), "MCC_STORE": f"sqlite:///{tmp_path / 'mcclink.db'}"}
    args = [arg for cid in ids for arg in ("--customer-id", cid)]

    code, result = exemplo(env, *args)

    assert (code, result["errorType"]) == (2, "InputError")
    assert result["error"].startswith("--customer-id applies only with --real")
    assert "111-222-3333 and 555-666-7777" in result["error"]
    assert not (tmp_path / "mcclink.db").exists()
