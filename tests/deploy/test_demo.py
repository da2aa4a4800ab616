"""`monitor demo` on a machine with no network: the founding story, end to end."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO


def _isolated() -> list[str]:
    """A command prefix that runs in a network namespace with only loopback, where we may."""
    if shutil.which("unshare") and shutil.which("ip"):
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
        if probe.returncode == 0:
            return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "isolated"]
    return []


@pytest.mark.slow
def test_demo_tells_the_founding_story_offline() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    done = subprocess.run(
        [*_isolated(), sys.executable, "-m", "monitor", "demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        cwd="/",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    recorded, alerts, changelog = (
        out.split("What the monitor recorded")[1].split("The alerts the desk received")[0],
        out.split("The alerts the desk received")[1].split("The change log")[0],
        out.split("The change log")[1],
    )
    # One story: one alert, one corroboration.
    assert recorded.count("designation_reported [voa-asia] RU: Taliban") == 1
    assert recorded.count("designation_corroborated [menafn-world]") == 1
    assert alerts.count("Russia: Taliban — removal from terrorist list announced") == 1
    assert (
        "Moscow Format" in alerts and recorded.count("topic_reported [voa-asia] Moscow Format") == 1
    )
    # The FSB page's change inside the Taliban row, alerted with before and after.
    assert 'entry_changed [ru-fsb-terrorist-list] changed "Движение Талибан" (decision)' in recorded
    assert "Запрет деятельности приостановлен" in alerts
    # The UN list's real differences, as one summary message.
    assert "2 added, 2 removed, 1 amended" in alerts
    assert "notification_sent" in changelog and "notification_failed" not in changelog
