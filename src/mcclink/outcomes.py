"""What history says of an MCC's invitations and failures: the figures that ``mcclink.stats``
and ``mcclink.alerts`` both read, computed here once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

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
            if after is LinkStatus.PENDING and before is not LinkStatus.PENDING:
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


def errors_by_code(history: Iterable[HistoryEntry]) -> dict[str, int]:
    """Failed Google Ads operations in ``history`` by error code, most frequent first."""
    errors: Counter[str] = Counter()
    for entry in history:
        if entry.outcome is Outcome.FAILED and entry.operation not in NOT_GOOGLE:
            errors[entry.error_code or "UNKNOWN"] += 1
    return dict(errors.most_common())
