"""What a reliability fault is, and how its trials are summed up.

Each ``tests/reliability/fault_<name>.py`` exposes ``FAULT = Fault(...)``; ``python -m
tests.reliability`` runs every ``FAULT.run(trials, store)`` on both stores and prints the
README's "Reliability" table. A trial is one independent run of the fault (its own seed,
its own store); ``run`` never raises for a failed trial, it counts it and says why in
``details``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: The stores every fault runs on; ``run`` receives one of these names.
STORES = ("sqlite", "dynamodb")


@dataclass(frozen=True)
class TrialSummary:
    """How the trials of one fault on one store went.

    ``details`` is one short line for the table: the figures on success (e.g. "kills at
    0.4-2.1 s, 37-200 invited"), the first failures otherwise.
    """

    trials: int
    passed: int
    details: str

    @property
    def ok(self) -> bool:
        """True when every trial passed (and at least one ran)."""
        return self.trials > 0 and self.passed == self.trials


@dataclass(frozen=True)
class Fault:
    """One fault of issue 5: its table name, what its trials check, and how to run them.

    ``run(trials, store)`` runs ``trials`` seeded trials on ``store`` (one of ``STORES``);
    for DynamoDB the caller has pointed ``AWS_ENDPOINT_URL_DYNAMODB`` (and fake
    credentials) at a running moto server, and each trial uses tables of its own.
    """

    name: str
    checked: str
    run: Callable[[int, str], TrialSummary]


@dataclass(frozen=True)
class TrialOutcome:
    """One trial's verdict: which seed, whether it held, and the problems it found."""

    seed: int
    problems: tuple[str, ...] = ()
    note: str = ""

    @property
    def passed(self) -> bool:
        """True when the trial found no problem."""
        return not self.problems


def summarize(outcomes: Sequence[TrialOutcome], figures: str = "") -> TrialSummary:
    """Fold trial outcomes into one ``TrialSummary``.

    Args:
        outcomes: one per trial, in the order run.
        figures: what the trials measured, shown when all passed (and before failures).

    Returns:
        The counts, and ``figures`` followed by the first problem of each failed trial
        (up to three trials, so the table stays readable).
    """
    failed = [o for o in outcomes if not o.passed]
    notes = [figures] if figures else []
    notes += [f"seed {o.seed}: {o.problems[0]}" for o in failed[:3]]
    if len(failed) > 3:
        notes.append(f"... and {len(failed) - 3} more failed trials")
    return TrialSummary(
        trials=len(outcomes), passed=len(outcomes) - len(failed), details="; ".join(notes)
    )
