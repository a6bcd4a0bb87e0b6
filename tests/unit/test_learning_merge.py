"""Merging the coaches' saved examples into the training data (bot/training_examples.py)."""
from __future__ import annotations

import shutil

import pytest
import yaml

from bot import settings, training_examples


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of the training data; saved examples in tmp_path/saved.yml."""
    shutil.copytree(settings.DATA_DIR, tmp_path / "nlu")
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path / "nlu")
    return tmp_path


def reviewed(project) -> dict:
    data = yaml.safe_load((project / "nlu" / "reviewed" / "nlu.yml").read_text(encoding="utf-8"))
    return {item["intent"]: item["examples"] for item in data["nlu"]}


def test_merge_writes_valid_nlu_yaml_keeps_masks_and_conversations(project):
    saved = project / "saved.yml"
    training_examples.add_example("bjr la compagnie, écrivez à zoe@exemple.fr ou 06 12 34 56 78", "greet",
                                  path=saved, conversation_id="conv-1")
    training_examples.add_example("la coopérative me paie comment pendant le démarrage", "faq/salary_level",
                                  path=saved, conversation_id="conv-2")
    result = training_examples.merge(path=saved, heldout=[])
    assert [(e.intent, e.text) for e in result.added] == [
        ("faq/salary_level", "la coopérative me paie comment pendant le démarrage"),
        ("greet", "bjr la compagnie, écrivez à [e-mail] ou [téléphone]")]
    data = reviewed(project)
    assert data["greet"] == [{"text": "bjr la compagnie, écrivez à [e-mail] ou [téléphone]",
                              "metadata": {"conversation": "conv-1"}}]
    assert "zoe@" not in (project / "nlu" / "reviewed" / "nlu.yml").read_text(encoding="utf-8")
    assert training_examples.examples(saved) == []  # merged ones leave the waiting list
    # A second merge of the same texts adds nothing: dedupe (case and spaces ignored).
    training_examples.add_example("BJR la compagnie,   écrivez à zoe@exemple.fr ou 06 12 34 56 78", "greet",
                                  path=saved, conversation_id="conv-3")
    again = training_examples.merge(path=saved, heldout=[])
    assert not again.added and len(again.duplicates) == 1
    assert len(reviewed(project)["greet"]) == 1 and training_examples.examples(saved) == []


def test_conflicts_and_heldout_questions_stay_waiting(project):
    saved = project / "saved.yml"
    existing = yaml.safe_load((project / "nlu" / "core" / "nlu.yml").read_text())["nlu"][0]
    text = existing["examples"].splitlines()[0].strip()[2:]
    training_examples.add_example(text, "goodbye" if existing["intent"] != "goodbye" else "greet", path=saved)
    training_examples.add_example("une question du jeu de test", "help", path=saved)
    result = training_examples.merge(path=saved, heldout=["Une question du jeu de TEST"])
    assert not result.added and result.conflicts[0][1] == existing["intent"]
    assert [e.text for e in result.heldout] == ["une question du jeu de test"]
    assert len(training_examples.examples(saved)) == 2  # both kept, for the admin to fix or drop
    assert not (project / "nlu" / "reviewed").exists()
    # A dry run says the same without writing.
    assert training_examples.merge(path=saved, heldout=[], dry_run=True).conflicts


def test_the_real_heldout_sets_are_never_merged(project):
    from bot.faq import HELDOUT_FILE, load_heldout

    question = load_heldout(HELDOUT_FILE)[0]
    saved = project / "saved.yml"
    training_examples.add_example(question["text"], f"faq/{question['topic']}", path=saved)
    assert training_examples.merge(path=saved).heldout


def test_edit_drop_and_erasure_of_merged_examples(project, monkeypatch):
    saved = project / "saved.yml"
    training_examples.add_example("bonjour à vous tous", "greet", path=saved, conversation_id="conv-9")
    assert training_examples.update_example("greet", "bonjour à vous tous", "merci, écrivez à a@b.fr", "thank",
                                            path=saved)
    assert [(e.intent, e.text, e.conversation) for e in training_examples.examples(saved)] == [
        ("thank", "merci, écrivez à [e-mail]", "conv-9")]
    assert not training_examples.remove_example("greet", "bonjour à vous tous", path=saved)
    training_examples.merge(path=saved, heldout=[])
    training_examples.add_example("au revoir les amis", "goodbye", path=saved, conversation_id="conv-8")
    assert training_examples.remove_example("goodbye", "au revoir les amis", path=saved)
    assert training_examples.examples(saved) == []
    # Erasing the conversation erases its example from the reviewed training data too.
    monkeypatch.setattr(training_examples, "default_path", lambda: saved)
    assert training_examples.erase_conversations(["conv-9"]) == 1
    assert "thank" not in reviewed(project)
