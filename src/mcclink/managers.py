"""The managers (MCCs) one installation acts for: the dashboard's switcher, the REST API's
``mcc=`` and ``mcclink stats --all`` know them from here.

The known managers, in this order: the default one (``--mcc``, else ``MCC_CUSTOMER_ID``), the
configured ones (``MCC_CUSTOMER_IDS``, comma-separated, as the Lambda reads it), then every
other manager that has clients in the store (``Store.managers``). A manager with none left
(they all moved to another manager) is known too once it is asked for, by its history in the
store (its first entry: one read), so its audit trail and the "moved to" answers stay
readable. The tree under the MCC
(``mcclink hierarchy``) is not walked here: it costs two Google calls per manager on every
look, and a manager of the tree without clients has nothing to show yet. To act for such a
manager before its first client, list it in ``MCC_CUSTOMER_IDS``. The managers' names are
the ones the dashboard's last walks of the tree read (``Directory.learn_names``): known once
someone opened the Hierarchy page, never asked of Google for their own sake.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from mcclink.domain import CustomerId, LinkStatus, utcnow
from mcclink.errors import ConfigurationError, InputError, InvalidCustomerId
from mcclink.outcomes import HISTORY_START
from mcclink.ports import Store

if TYPE_CHECKING:
    from mcclink.hierarchy import Tree

#: The comma-separated managers an installation acts for (the Lambda monitors each).
MCC_LIST_VAR = "MCC_CUSTOMER_IDS"
#: How long the dashboard trusts its list of the store's managers (on DynamoDB it is a Scan).
STORE_LIST_TTL = 30.0


class UnknownManager(InputError):
    """A manager that is neither configured nor has clients or history in the store."""

    def __init__(self, mcc: CustomerId, known: Sequence[CustomerId], *, api: bool) -> None:
        self.mcc = mcc
        names = ", ".join(str(m) for m in known) or "none"
        choose = (
            "Give one of them as mcc= (GET /api/v1/managers lists them)"
            if api
            else "Choose one of them"
        )
        super().__init__(
            f"manager {mcc} is not one this server acts for; its managers are: {names}. "
            f"{choose}, or add {mcc} to {MCC_LIST_VAR}"
        )


def configured(environ: Mapping[str, str], default: CustomerId | None) -> list[CustomerId]:
    """``default`` (when given), then the managers of ``MCC_CUSTOMER_IDS``, each once.

    Raises:
        ConfigurationError: an entry of ``MCC_CUSTOMER_IDS`` is not a customer id.
    """
    found = [] if default is None else [default]
    for text in environ.get(MCC_LIST_VAR, "").split(","):
        if not text.strip():
            continue
        try:
            mcc = CustomerId.parse(text)
        except InvalidCustomerId as exc:
            raise ConfigurationError(
                f"{MCC_LIST_VAR}: {exc}: list the managers' customer ids separated by "
                "commas, e.g. 123-456-7890,234-567-8901"
            ) from None
        if mcc not in found:
            found.append(mcc)
    return found


def known(first: Sequence[CustomerId], store: Store) -> list[CustomerId]:
    """``first`` (the configured managers), then the store's other managers in id order.

    Raises:
        StoreUnavailable: the store could not be read.
    """
    return [*first, *(m for m in store.managers() if m not in first)]


class Directory:
    """The known managers of a long-running server: the store's part is read again at most
    every ``ttl`` seconds, and at once when a manager asked for is not among them (so a
    manager whose first client was just registered is found); one still unknown then is
    looked for in the history. A manager once listed or found is kept: it has history, which
    is never taken back (its clients may all have moved away or been archived since)."""

    def __init__(
        self,
        default: CustomerId,
        first: Sequence[CustomerId],
        store: Store,
        *,
        ttl: float = STORE_LIST_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.default = default
        self._first = list(first)
        self._store = store
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._read: tuple[float, list[CustomerId]] | None = None
        self._names: dict[CustomerId, str] = {}
        self._kept: list[CustomerId] = []

    def all(self, *, fresh: bool = False) -> list[CustomerId]:
        """Every known manager; ``fresh`` reads the store now.

        Raises:
            StoreUnavailable: the store could not be read.
        """
        with self._lock:
            now = self._clock()
            if fresh or self._read is None or now - self._read[0] > self._ttl:
                self._read = (now, known(self._first, self._store))
                self._keep(self._read[1])
            listed = self._read[1]
            return [*listed, *(m for m in self._kept if m not in listed)]

    def _keep(self, managers: Iterable[CustomerId]) -> None:
        """Remember ``managers`` for good (the caller holds the lock)."""
        self._kept += [m for m in managers if m not in self._kept]

    def learn_names(self, tree: Tree) -> None:
        """Remember the names Google gave the managers of a walked ``tree``."""
        found = {n.account.customer_id: n.account.name for n in tree.nodes if n.account.manager}
        with self._lock:
            self._names.update({mcc: name for mcc, name in found.items() if name})

    def names(self) -> dict[CustomerId, str]:
        """The managers' names learned so far (``learn_names``), by manager."""
        with self._lock:
            return dict(self._names)

    def choose(self, raw: str | None, *, api: bool = False) -> CustomerId:
        """The manager ``raw`` names (the default when empty); ``api``: it is the REST API's
        ``mcc=``, and a refusal says how to name one there.

        Raises:
            InvalidCustomerId: ``raw`` is not a customer id.
            UnknownManager: it is no known manager and has no history.
            StoreUnavailable: the store could not be read.
        """
        if raw is None or not raw.strip():
            return self.default
        mcc = CustomerId.parse(raw)
        if mcc in self.all():
            return mcc
        managers = self.all(fresh=True)
        if mcc in managers:
            return mcc
        if not has_history(self._store, mcc):
            raise UnknownManager(mcc, managers, api=api)
        with self._lock:
            self._keep([mcc])
        return mcc


def has_history(store: Store, mcc: CustomerId) -> bool:
    """Whether the store holds any history of ``mcc`` (its first entry read, no more).

    Raises:
        StoreUnavailable: the store could not be read.
    """
    found = store.history_between(HISTORY_START, utcnow() + timedelta(seconds=1), mcc, limit=1)
    return next(found, None) is not None


def client_counts(store: Store, mcc: CustomerId) -> dict[str, object]:
    """``total`` and ``by_status`` (every status, in order) of the manager's clients.

    Raises:
        StoreUnavailable: the store could not be read.
    """
    counts = Counter(client.status.value for client in store.list_clients(mcc))
    return {
        "total": sum(counts.values()),
        "by_status": {status.value: counts[status.value] for status in LinkStatus},
    }
