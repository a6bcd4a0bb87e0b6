"""A candidate training (``python -m bot.learning run``) that fails says why in
French and leaves the active model as it was."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot import learning, settings, training
from bot.training import rasa_environment
from tests.small_project import make_small_project


@pytest.mark.slow
def test_a_failed_training_says_why_in_french_and_leaves_the_active_model(tmp_path):
    env = {**rasa_environment(), **make_small_project(tmp_path / "small"),
           "CAE_RASA_API_URLS": "http://127.0.0.1:9"}  # no Rasa server: nothing to ask
    (tmp_path / "small" / "nlu" / "core" / "broken.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: greet\n    examples: [unclosed\n', encoding="utf-8")
    models = tmp_path / "small" / "models"
    models.mkdir()
    active = {"model": "cae-before.tar.gz", "previous": None, "inputs": "x", "activated_at": 1}
    (models / training.ACTIVE_FILE).write_text(json.dumps(active))
    folder = tmp_path / "small" / "candidates" / "20260101-120000-abcd"
    folder.mkdir(parents=True)
    code = subprocess.run([sys.executable, "-m", "bot.learning", "run", str(folder)], cwd=settings.ROOT,
                          env=env, capture_output=True, text=True, timeout=300).returncode
    status = json.loads((folder / learning.STATUS_FILE).read_text())
    assert code == 1 and status["state"] == "failed"
    assert status["error"].startswith("L'entraînement a échoué") and "Le modèle actif n'a pas changé" in status["error"]
    assert json.loads((models / training.ACTIVE_FILE).read_text()) == active
    assert not list(folder.glob("*.tar.gz"))
