"""Reminders' pure parts: MCC_REMIND_AT, which step is due, the claim's key, the message."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcclink.config import LOCALES
from mcclink.domain import Client, CustomerId, LinkStatus
from mcclink.errors import ConfigurationError
from mcclink.reminder_mail import render
from mcclink.reminders import (
    UNSUBSCRIBED,
    claim_entry,
    claim_id,
    due_reminders,
    due_step,
    parse_steps,
    steps_from_env,
)

MCC = CustomerId.parse("1234567890")
SENT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
STEPS = parse_steps("1d,3d,7d")


def pending(n: int = 1, **changes: Any) -> Client:
    client = Client(
        CustomerId(f"{2_000_000_000 + n:010d}"),
        MCC,
        f"Client {n}",
        email=f"ads{n}@example.com",
        status=LinkStatus.PENDING,
        manager_link_id=900 + n,
        invited_at=SENT,
    )
    return replace(client, **changes)


def test_steps_take_any_duration_seconds_included() -> None:
    assert parse_steps("1d,3d,7d") == (timedelta(days=1), timedelta(days=3), timedelta(days=7))
    assert parse_steps(" 30s , 2m,1h30m ") == (
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(hours=1, minutes=30),
    )
    assert steps_from_env({}) == STEPS
    assert steps_from_env({"MCC_REMIND_AT": "  "}) == STEPS


@pytest.mark.parametrize(
    ("raw", "phrase"),
    [
        ("1d,,3d", "empty step"),
        ("", "empty step"),
        ("1d,tomorrow", "invalid duration"),
        ("3d,1d", "does not increase"),
        ("1d,1d", "does not increase"),
        ("0s", "longer than zero"),
    ],
)
def test_a_malformed_remind_at_names_the_setting_and_the_fix(raw: str, phrase: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_steps(raw)

    message = str(caught.value)
    assert "MCC_REMIND_AT" in message
    assert phrase in message
    assert "1d,3d,7d" in message


@pytest.mark.parametrize(
    ("after", "step"),
    [
        (timedelta(hours=23, minutes=59), None),
        (timedelta(days=1), 1),
        (timedelta(days=2), 1),
        (timedelta(days=3), 2),
        (timedelta(days=8), 3),
        (timedelta(days=80), 3),
    ],
)
def test_only_the_latest_step_that_is_due_is_planned(after: timedelta, step: int | None) -> None:
    due = due_reminders([pending()], STEPS, SENT + after)

    assert [d.step for d in due] == ([] if step is None else [step])
    if step is not None:
        assert due[0].due_at == SENT + STEPS[step - 1]
        assert due[0].age == STEPS[step - 1]


@pytest.mark.parametrize(
    "changes",
    [
        {"email": None},
        {"email": ""},
        {"status": LinkStatus.APPROVED},
        {"status": LinkStatus.CANCELLED},
        {"status": LinkStatus.REJECTED},
        {"attributes": {UNSUBSCRIBED: "2026-03-02T00:00:00.000000Z"}},
        {"invited_at": None},
    ],
)
def test_no_reminder_without_address_pending_invitation_or_consent(
    changes: dict[str, Any],
) -> None:
    assert due_reminders([pending(**changes)], STEPS, SENT + timedelta(days=5)) == []


def test_a_claimed_step_is_left_out_and_the_next_one_comes_when_due() -> None:
    client = pending()
    first = due_step(client, 1, STEPS)

    assert due_reminders([client], STEPS, SENT + timedelta(days=2), {first.claim_id}) == []
    later = due_reminders([client], STEPS, SENT + timedelta(days=3), {first.claim_id})
    assert [d.step for d in later] == [2]


def test_the_claim_is_the_same_for_every_claimer_and_new_for_a_new_invitation() -> None:
    client = pending()
    due = due_step(client, 2, STEPS)
    one = claim_entry(due, actor="a", message_id="<1@mcclink>", onboarding_link_id="L1")
    two = claim_entry(due, actor="b", message_id="<2@mcclink>", onboarding_link_id="L2")

    assert (one.id, one.timestamp) == (two.id, two.timestamp) == (due.claim_id, due.due_at)
    assert one.details["claim"] != two.details["claim"]
    assert one.details["step"] == "2"
    assert claim_id(client, 2) != claim_id(client, 3)
    assert claim_id(client, 2) != claim_id(replace(client, manager_link_id=77), 2)
    assert claim_id(client, 2) != claim_id(pending(2), 2)


def test_planning_is_fast_and_pure_over_many_clients() -> None:
    clients = [pending(n, invited_at=SENT - timedelta(seconds=n % 60)) for n in range(50_000)]

    due = due_reminders(clients, STEPS, SENT + timedelta(days=1))

    assert len(due) == 50_000
    assert {d.step for d in due} == {1}


@pytest.mark.parametrize(
    ("locale", "subject", "means"),
    [
        ("pt-BR", "Lembrete: Agência <Demo> & Cia aguarda", "Aceitar permite"),
        ("en", "Reminder: Agência <Demo> & Cia is waiting", "Accepting lets"),
        ("fr", "Lembrete:", "Aceitar permite"),
    ],
)
def test_the_message_has_both_parts_the_link_and_what_accepting_means(
    locale: str, subject: str, means: str
) -> None:
    client = pending(name="Padaria <b>São João</b> & Filhos")
    url = "https://ads.example.com/onboard/abc.def"

    mail = render(
        client,
        agency="Agência <Demo> & Cia",
        url=url,
        unsubscribe_url=f"{url}/unsubscribe",
        expires_at=SENT + timedelta(days=14),
        locale=locale,
    )

    assert mail.subject.startswith(subject)
    for part in (mail.text, mail.html):
        assert url in part
        assert f"{url}/unsubscribe" in part
        assert means in part
        assert "200-000-0001" in part
        assert "123-456-7890" in part
    assert "Padaria <b>São João</b> & Filhos" in mail.text
    assert "Padaria &lt;b&gt;São João&lt;/b&gt; &amp; Filhos" in mail.html
    assert "<b>São" not in mail.html


def test_every_locale_mail_knows_has_its_own_reminder() -> None:
    subjects = {
        render(
            pending(),
            agency="A",
            url="https://x/onboard/a.b",
            unsubscribe_url="https://x/onboard/a.b/unsubscribe",
            expires_at=SENT,
            locale=locale,
        ).subject
        for locale in LOCALES
    }

    assert len(subjects) == len(LOCALES)
