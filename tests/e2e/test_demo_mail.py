"""``mcclink demo`` mails one reminder and one alert to the SMTP sink it starts, and prints
both as their readers would see them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.e2e.conftest import MCCLINK, clean_env


def test_the_demo_prints_the_reminder_and_the_alert_it_delivered(home: Path) -> None:
    done = subprocess.run(
        [MCCLINK, "demo"], capture_output=True, text=True, env=clean_env(home), timeout=300
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    flat = " ".join(out.replace("│", " ").split())
    assert re.search(r"mail to a local SMTP sink at smtp://127\.0\.0\.1:\d+", flat)
    assert "1 reminder(s) sent" in out
    reminder = _panel(out, "Reminder to the advertiser")
    assert "To: contato@livrariasaber.example" in reminder
    assert "From: Agência Demo <ads@agencia-demo.example>" in reminder
    assert "List-Unsubscribe:" in reminder
    assert "/unsubscribe" in reminder
    assert "666-777-8888" in reminder
    assert re.search(r"http://127\.0\.0\.1:\d+/onboard/\S+", reminder), "no onboarding link"
    alert = _panel(out, "Alert to the agency")
    assert "To: equipe@agencia-demo.example" in alert
    assert "666-777-8888" in alert
    assert "List-Unsubscribe" not in alert


def _panel(out: str, title: str) -> str:
    """The text of the panel titled ``title`` (its border characters removed)."""
    start = out.index(title)
    end = out.index("╰", start)
    return "\n".join(line.strip("│ ") for line in out[start:end].splitlines())
