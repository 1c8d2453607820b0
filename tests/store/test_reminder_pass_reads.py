"""The dry-run reminder pass reads each client once and finds exactly what is due, on both
stores: ``bench.reminders``'s world at a small N (``make bench`` runs it at 50,000)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench._monitor_world import Backend, DynamoBackend, SqliteBackend
from bench.reminders import MCCLINK, PER_CLIENT, Case, run_store


def _passes(backend: Backend, n: int) -> dict[str, Case]:
    return {case.approach: case for case in run_store(backend, n, {})}


def _check(cases: dict[str, Case], n: int) -> None:
    mine, straightforward = cases[MCCLINK], cases[PER_CLIENT]
    assert mine.due_expected > 0
    assert mine.due_found == straightforward.due_found == mine.due_expected
    assert mine.clients_read == n // 10  # the pending clients only, each once
    assert mine.most_reads_per_client == 1
    assert mine.history_calls <= mine.clients_read
    assert straightforward.clients_read == n
    assert mine.writes == straightforward.writes == 0


def test_the_pass_reads_each_pending_client_once_on_sqlite(tmp_path: Path) -> None:
    _check(_passes(SqliteBackend(tmp_path), 2_000), 2_000)


@pytest.mark.dynamodb
@pytest.mark.usefixtures("moto_endpoint")
def test_the_pass_reads_each_pending_client_once_on_dynamodb() -> None:
    _check(_passes(DynamoBackend(), 300), 300)
