"""What history says of an MCC's invitations and failures: the figures that ``mcclink.stats``
and ``mcclink.alerts`` both read, computed here once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from mcclink.domain import CustomerId, HistoryEntry, LinkStatus, Operation, Outcome

#: Invitation outcomes are read from the MCC's whole history, from this moment on.
HISTORY_START = datetime(1970, 1, 1, tzinfo=UTC)
#: Operations whose failures are not Google Ads errors: a webhook receiver's, and mail's
#: (reminders and alerts); they are reported where they are made, not in ``errors_by_code``.
NOT_GOOGLE = frozenset({Operation.WEBHOOK, Operation.REMIND, Operation.ALERT})

#: How an invitation was answered, by the status its link moved to from PENDING (True:
#: accepted). Google ends a link (INACTIVE) only after it was accepted, so PENDING ->
#: UNLINKED, recorded when the acceptance fell between two monitor cycles, is one too.
ANSWERS: Mapping[LinkStatus, bool] = MappingProxyType(
    {LinkStatus.APPROVED: True, LinkStatus.UNLINKED: True, LinkStatus.REJECTED: False}
)
#: An acceptance this soon after a reminder counts as one the reminder brought.
REMINDER_EFFECT = timedelta(days=2)


@dataclass(frozen=True)
class InvitationOutcomes:
    """How advertisers answered the MCC's invitations, as ExecutionHistory recorded them.

    Each move of a link out of ``PENDING`` to an answer counts once, whatever the client's
    status is now: an invitation accepted and later unlinked stays accepted, and a client
    that refused and accepted a later invitation counts one of each. Accounts created
    under the MCC or imported already linked were never invited and are left out.
    """

    accepted: int = 0
    refused: int = 0
    #: Invitation to acceptance, for each acceptance whose invitation is in history.
    waits: tuple[timedelta, ...] = ()
    #: Each answer, oldest first (True: accepted); alerts read the last few.
    answers: tuple[bool, ...] = ()

    @classmethod
    def of(cls, history: Iterable[HistoryEntry]) -> InvitationOutcomes:
        """The outcomes recorded in ``history`` (one MCC's, oldest first)."""
        invited: dict[CustomerId, datetime] = {}
        answers: list[bool] = []
        waits: list[timedelta] = []
        for entry in history:
            before, after = entry.status_before, entry.status_after
            if is_invitation(before, after):
                invited[entry.customer_id] = entry.timestamp
            elif before is LinkStatus.PENDING and after is not None and after in ANSWERS:
                answers.append(ANSWERS[after])
                sent = invited.pop(entry.customer_id, None)
                if after is LinkStatus.APPROVED and sent is not None:
                    waits.append(entry.timestamp - sent)
        return cls(sum(answers), len(answers) - sum(answers), tuple(waits), tuple(answers))

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted ÷ answered invitations (None before the first answer)."""
        answered = self.accepted + self.refused
        return self.accepted / answered if answered else None

    @property
    def mean_time_to_acceptance(self) -> timedelta | None:
        """The mean of ``waits`` (None without one)."""
        return sum(self.waits, timedelta()) / len(self.waits) if self.waits else None


def is_invitation(before: LinkStatus | None, after: LinkStatus | None) -> bool:
    """Whether a move from ``before`` to ``after`` sends an invitation (starts a PENDING)."""
    return after is LinkStatus.PENDING and before is not LinkStatus.PENDING


def google_error(entry: HistoryEntry) -> str | None:
    """The error code of a failed Google Ads operation (``UNKNOWN`` when none was given);
    None for any other entry."""
    if entry.outcome is Outcome.FAILED and entry.operation not in NOT_GOOGLE:
        return entry.error_code or "UNKNOWN"
    return None


def errors_by_code(history: Iterable[HistoryEntry]) -> dict[str, int]:
    """Failed Google Ads operations in ``history`` by error code, most frequent first."""
    errors = Counter(code for entry in history if (code := google_error(entry)) is not None)
    return dict(errors.most_common())


@dataclass(frozen=True)
class ReminderOutcomes:
    """The reminders mailed to advertisers, and the acceptances that followed them.

    A ``REMIND`` entry is written (the claim) before its message is sent, and a failed send
    adds a ``REMIND`` ``FAILED`` entry for the same step: sent = claimed - failed (a claim
    whose process died before sending counts as sent: history cannot tell them apart). An
    invitation counts as accepted after a reminder when its acceptance was recorded within
    ``REMINDER_EFFECT`` of its last reminder's due time (the entry's timestamp), and it is
    credited to that reminder's step.
    """

    #: Reminders sent, by step (1 = the first age of ``MCC_REMIND_AT``).
    sent_by_step: Mapping[int, int]
    failed: int
    #: Invitations that got at least one reminder.
    reminded: int
    #: Invitations accepted within ``REMINDER_EFFECT`` of their last reminder, by its step.
    accepted_by_step: Mapping[int, int]

    @classmethod
    def of(cls, history: Iterable[HistoryEntry]) -> ReminderOutcomes:
        """The reminders recorded in ``history`` (one MCC's, oldest first)."""
        failed: Counter[int] = Counter()
        sent: Counter[int] = Counter()
        accepted: Counter[int] = Counter()
        # Per client, its current invitation's reminders sent: step -> due time.
        current: dict[CustomerId, dict[int, datetime]] = {}
        reminded = 0
        for entry in history:
            before, after = entry.status_before, entry.status_after
            if entry.operation is Operation.REMIND:
                step = _step(entry)
                if step is not None and entry.outcome is Outcome.FAILED:
                    failed[step] += 1
                    current.get(entry.customer_id, {}).pop(step, None)
                elif step is not None:
                    current.setdefault(entry.customer_id, {})[step] = entry.timestamp
            elif before is LinkStatus.PENDING and after not in (None, LinkStatus.PENDING):
                # The invitation ended (answered, cancelled, ...): so did its reminders. (Not
                # at the next invitation's entry: a reminder due soon after an invitation
                # may be timed before the entry recording Google's answer to it.)
                steps = current.pop(entry.customer_id, {})
                reminded += _tally(steps, sent)
                if after is not None and ANSWERS.get(after) and steps:
                    last_step, due = max(steps.items(), key=lambda item: item[1])
                    if timedelta() <= entry.timestamp - due <= REMINDER_EFFECT:
                        accepted[last_step] += 1
        for steps in current.values():
            reminded += _tally(steps, sent)
        return cls(
            MappingProxyType(dict(sorted(sent.items()))),
            sum(failed.values()),
            reminded,
            MappingProxyType(dict(sorted(accepted.items()))),
        )

    @property
    def sent(self) -> int:
        """Reminders sent, all steps."""
        return sum(self.sent_by_step.values())

    @property
    def accepted(self) -> int:
        """Invitations accepted within ``REMINDER_EFFECT`` of a reminder."""
        return sum(self.accepted_by_step.values())

    def to_dict(self) -> dict[str, Any]:
        """The ``reminders`` key of ``Stats.to_dict`` (JSON keys: steps as strings)."""
        return {
            "sent": self.sent,
            "sent_by_step": {str(step): n for step, n in self.sent_by_step.items()},
            "failed": self.failed,
            "reminded_invitations": self.reminded,
            "accepted_within_2_days": self.accepted,
            "accepted_within_2_days_by_step": {
                str(step): n for step, n in self.accepted_by_step.items()
            },
        }


def _step(entry: HistoryEntry) -> int | None:
    """The step a ``REMIND`` entry records (None when it records none)."""
    raw = entry.details.get("step", "")
    return int(raw) if raw.isdigit() else None


def _tally(steps: Mapping[int, datetime], sent: Counter[int]) -> int:
    """Add one invitation's reminders to ``sent``; 1 if it had any, else 0."""
    sent.update(steps.keys())
    return 1 if steps else 0
