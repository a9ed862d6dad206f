"""Sweeps call Slack with the token of the workspace the work belongs to, never the app's."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SWEEP_CODE = [*sorted((ROOT / "bot" / "delivery").glob("*.py")), ROOT / "bot" / "scheduler.py"]


def test_no_sweep_uses_the_apps_own_client() -> None:
    """`deps.client` has no token in multi-workspace mode: sweep work takes
    `deps.clients.for_team(team_id)` (tests/handlers/test_install.py shows why)."""
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in SWEEP_CODE
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bdeps\.client\b", line)
    ]
    assert found == []
    assert "deps.clients.for_team(" in (ROOT / "bot" / "delivery" / "outbox.py").read_text()
