"""The Rasa data's consistency: ``rasa data validate --fail-on-warnings``."""
from __future__ import annotations

import subprocess
import sys

import pytest

from bot import settings
from bot.training import rasa_environment


@pytest.mark.slow
def test_rasa_data_validates_without_warnings():
    result = subprocess.run(
        [
            sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings",
            "--domain", "domain", "--data", "nlu", "--config", "config.yml",
        ],
        cwd=settings.ROOT, env=rasa_environment(), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
