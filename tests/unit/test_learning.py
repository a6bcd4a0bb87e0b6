"""The learning loop's parts that need no browser: a failed training, the
comparison, what `make run` serves, and the dashboard's doors."""
from __future__ import annotations

import json
import os

import pytest

from bot import learning, settings, training


def row(text, expected, answered):
    return {"text": text, "expected": expected, "answered": answered}


def test_compare_counts_accuracy_confident_errors_and_changes():
    report = {"models": {
        "new.tar.gz": {"sets": {"held-out": [row("a", "t1", "t1"), row("b", "t2", "t2"), row("c", "t3", "t1")]},
                       "stories": [{"text": "salut", "expected": "greet", "got": "greet"}]},
        "old.tar.gz": {"sets": {"held-out": [row("a", "t1", "t1"), row("b", "t2", None), row("c", "t3", "t2")]},
                       "stories": [{"text": "salut", "expected": "greet", "got": "nlu_fallback"}]},
    }}
    result = learning.compare(report, "new.tar.gz", "old.tar.gz")
    (held,) = result["sets"]
    assert (held["candidate"].right, held["candidate"].confident_errors) == (2, 1)
    assert (held["active"].right, held["active"].confident_errors) == (1, 1)
    assert [(c["text"], c["before"], c["after"]) for c in held["changed"]] == [("b", None, "t2"), ("c", "t2", "t1")]
    assert result["stories"]["candidate"].accuracy == 1.0 and result["stories"]["active"].accuracy == 0.0
    assert result["stories"]["changed"] == [{"text": "salut", "expected": "greet", "before": "nlu_fallback",
                                            "after": "greet"}]


def test_make_run_serves_the_activated_model_while_the_inputs_are_unchanged(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "MODELS_DIR", tmp_path)
    trained = []
    monkeypatch.setattr(training, "train", lambda target: (trained.append(target), target.write_bytes(b"m")))
    (tmp_path / "cae-chosen.tar.gz").write_bytes(b"m")
    (tmp_path / training.ACTIVE_FILE).write_text(json.dumps(
        {"model": "cae-chosen.tar.gz", "previous": "cae-older.tar.gz", "inputs": training.fingerprint()}))
    assert training.model_to_serve() == tmp_path / "cae-chosen.tar.gz" and not trained
    # The inputs changed since (a developer edited nlu/): the model of the current inputs.
    (tmp_path / training.ACTIVE_FILE).write_text(json.dumps({"model": "cae-chosen.tar.gz", "inputs": "other"}))
    assert training.model_to_serve() == training.model_path() and trained == [training.model_path()]
    # Pruning never deletes the active or the previous model.
    (tmp_path / "cae-older.tar.gz").write_bytes(b"m")
    (tmp_path / training.ACTIVE_FILE).write_text(json.dumps(
        {"model": "cae-chosen.tar.gz", "previous": "cae-older.tar.gz", "inputs": "x"}))
    for i in range(4):
        (tmp_path / f"cae-new{i}.tar.gz").write_bytes(b"m")
        os.utime(tmp_path / f"cae-new{i}.tar.gz", (2e9 + i, 2e9 + i))
    training.prune(tmp_path, keep=tmp_path / "cae-new3.tar.gz")
    assert (tmp_path / "cae-chosen.tar.gz").exists() and (tmp_path / "cae-older.tar.gz").exists()


def test_activation_refuses_unknown_or_unfinished_candidates(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "CANDIDATES_DIR", tmp_path)
    for bad in ("../../etc", "20260101-120000-abcd"):
        with pytest.raises(learning.LearningError, match="inconnu"):
            learning.activate(bad, urls=["http://127.0.0.1:9"], token="t")
    folder = tmp_path / "20260101-120000-abcd"
    folder.mkdir()
    learning.write_status(folder, state="training")
    with pytest.raises(learning.LearningError, match="pas prêt"):
        learning.activate(folder.name, urls=["http://127.0.0.1:9"], token="t")
    with pytest.raises(learning.LearningError, match="Aucun modèle précédent"):
        monkeypatch.setattr(settings, "MODELS_DIR", tmp_path / "models")
        learning.rollback(urls=["http://127.0.0.1:9"], token="t")
