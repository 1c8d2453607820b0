"""mcclink.managers (which managers a server acts for) and stats.TreeStats (their sum)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import cast

import pytest

from mcclink.domain import CustomerId, LinkStatus
from mcclink.errors import ConfigurationError, InvalidCustomerId
from mcclink.managers import Directory, UnknownManager, configured, known
from mcclink.onboarding import OnboardingFunnel
from mcclink.outcomes import InvitationOutcomes, ReminderOutcomes
from mcclink.ports import Store
from mcclink.stats import Stats, TreeStats

ROOT = CustomerId.parse("123-456-7890")
SUB = CustomerId.parse("555-000-0002")
OTHER = CustomerId.parse("555-000-0001")
LATE = CustomerId.parse("555-000-0009")


class Managers:
    """A store that only lists its managers (counting how often it is asked) and holds no
    history."""

    def __init__(self, *managers: CustomerId) -> None:
        self.listed = list(managers)
        self.reads = 0

    def managers(self) -> list[CustomerId]:
        self.reads += 1
        return list(self.listed)

    def history_between(self, *_: object, **__: object) -> Iterator[object]:
        return iter(())  # no manager of this store has history


def test_configured_is_the_default_then_the_list_each_once() -> None:
    environ = {"MCC_CUSTOMER_IDS": f" {SUB}, ,{ROOT.digits},{SUB.digits} "}

    assert configured(environ, ROOT) == [ROOT, SUB]
    assert configured(environ, None) == [SUB, ROOT]
    assert configured({}, ROOT) == [ROOT]
    assert configured({}, None) == []


def test_a_bad_entry_names_the_variable_and_the_form() -> None:
    with pytest.raises(ConfigurationError) as caught:
        configured({"MCC_CUSTOMER_IDS": "123-456-7890,12-34"}, None)

    assert "MCC_CUSTOMER_IDS" in str(caught.value)
    assert "12-34" in str(caught.value)
    assert "separated by commas" in str(caught.value)


def test_known_puts_the_configured_first_then_the_stores_others() -> None:
    store = cast(Store, Managers(OTHER, ROOT))

    assert known([ROOT, SUB], store) == [ROOT, SUB, OTHER]


def test_the_directory_reads_the_store_again_only_after_its_ttl() -> None:
    store, now = Managers(OTHER), [0.0]
    directory = Directory(ROOT, [ROOT], cast(Store, store), ttl=30, clock=lambda: now[0])

    assert directory.all() == [ROOT, OTHER]
    store.listed.append(LATE)
    now[0] = 29.0
    assert directory.all() == [ROOT, OTHER]
    now[0] = 31.0
    assert directory.all() == [ROOT, OTHER, LATE]
    assert store.reads == 2


def test_choosing_a_manager_it_does_not_know_yet_reads_the_store_at_once() -> None:
    store = Managers(OTHER)
    directory = Directory(ROOT, [ROOT], cast(Store, store), clock=lambda: 0.0)
    directory.all()
    store.listed.append(LATE)

    assert directory.choose(LATE.dashed) == LATE
    assert directory.choose(OTHER.digits) == OTHER
    assert directory.choose(None) == directory.choose("  ") == ROOT
    assert store.reads == 2  # the first listing, and the fresh one for LATE


def test_an_unknown_or_malformed_manager_is_refused_naming_the_known() -> None:
    directory = Directory(ROOT, [ROOT, SUB], cast(Store, Managers(OTHER)))

    with pytest.raises(UnknownManager) as caught:
        directory.choose("999-888-7777")
    with pytest.raises(InvalidCustomerId):
        directory.choose("12-34")

    assert str(caught.value) == (
        "manager 999-888-7777 is not one this server acts for; its managers are: "
        f"{ROOT}, {SUB}, {OTHER}. Choose one of them, or add 999-888-7777 to MCC_CUSTOMER_IDS"
    )


def _stats(mcc: CustomerId, outcomes: InvitationOutcomes, **by_status: int) -> Stats:
    counts = {s.value: by_status.get(s.value, 0) for s in LinkStatus}
    return Stats(
        mcc=mcc,
        total=sum(counts.values()),
        by_status=counts,
        acceptance_rate=outcomes.acceptance_rate,
        mean_time_to_acceptance=outcomes.mean_time_to_acceptance,
        pending=counts["PENDING"],
        stale_pending=[],
        errors_by_code={"RESOURCE_EXHAUSTED": 1},
        onboarding=OnboardingFunnel(1, 2, 1, 1),
        reminders=ReminderOutcomes.of([]),
        alerts=[],
        outcomes=outcomes,
    )


def test_the_sum_takes_the_rate_from_all_answers_and_the_mean_from_all_acceptances() -> None:
    hours = timedelta(hours=1)
    one = _stats(ROOT, InvitationOutcomes(1, 0, (2 * hours,)), APPROVED=1)
    four = _stats(OTHER, InvitationOutcomes(2, 6, (4 * hours, 6 * hours)), APPROVED=2, REJECTED=6)

    total = TreeStats([one, four]).total()

    assert one.acceptance_rate == 1.0
    assert four.acceptance_rate == 0.25
    assert total["acceptance_rate"] == 3 / 9  # not (1.0 + 0.25) / 2
    assert total["mean_time_to_acceptance_s"] == 4 * 3600.0  # (2 + 4 + 6) / 3 h
    assert (total["accepted"], total["refused"], total["total"]) == (3, 6, 9)
    assert total["by_status"]["REJECTED"] == 6
    assert total["errors_by_code"] == {"RESOURCE_EXHAUSTED": 2}
    assert total["onboarding"] == {"links_created": 2, "opened": 4, "signed_in": 2, "accepted": 2}


def test_the_sum_of_no_answers_has_no_rate() -> None:
    total = TreeStats([_stats(SUB, InvitationOutcomes())]).total()

    assert total["acceptance_rate"] is None
    assert total["mean_time_to_acceptance_s"] is None


def test_a_manager_once_listed_stays_known_when_its_clients_are_gone() -> None:
    store, now = Managers(OTHER, SUB), [0.0]
    directory = Directory(ROOT, [ROOT], cast(Store, store), ttl=30, clock=lambda: now[0])
    assert directory.all() == [ROOT, OTHER, SUB]

    store.listed.remove(SUB)  # its last client moved away: it has history, no client
    now[0] = 31.0

    assert directory.all() == [ROOT, OTHER, SUB]
    assert directory.choose(SUB.dashed) == SUB
