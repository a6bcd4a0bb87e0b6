"""Examples merged from the dashboard are real Rasa training data."""
from __future__ import annotations

import subprocess
import sys

import pytest

from bot import settings, training_examples
from bot.training import rasa_environment
from tests.unit.test_learning_merge import project  # noqa: F401  (fixture)


@pytest.mark.slow
def test_merged_project_passes_rasa_data_validate(project):
    """The merged file is real Rasa training data: `rasa data validate
    --fail-on-warnings` on the project with it (an intent and a FAQ topic)."""
    saved = project / "saved.yml"
    training_examples.add_example("salut la coop, mon mail zoe@exemple.fr", "greet", path=saved,
                                  conversation_id="conv-1")
    training_examples.add_example("combien je touche chaque mois en étant dans la coopérative", "faq/salary_level",
                                  path=saved, conversation_id="conv-2")
    assert len(training_examples.merge(path=saved, heldout=[]).added) == 2
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings",
         "--domain", str(settings.DOMAIN_DIR), "--data", str(project / "nlu"),
         "--config", str(settings.CONFIG_FILE)],
        cwd=settings.ROOT, env=rasa_environment(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
