import shutil

import pytest

from bot import settings, training


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of the Rasa inputs that the test may change."""
    shutil.copy(settings.CONFIG_FILE, tmp_path / "config.yml")
    shutil.copytree(settings.DOMAIN_DIR, tmp_path / "domain")
    shutil.copytree(settings.DATA_DIR, tmp_path / "nlu")
    for name in training.COMPONENT_SOURCES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(settings.ROOT / name, tmp_path / name)
    monkeypatch.setattr(settings, "ROOT", tmp_path)
    monkeypatch.setattr(settings, "CONFIG_FILE", tmp_path / "config.yml")
    monkeypatch.setattr(settings, "DOMAIN_DIR", tmp_path / "domain")
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path / "nlu")
    monkeypatch.setattr(settings, "MODELS_DIR", tmp_path / "models")
    return tmp_path


def test_fingerprint_is_stable_and_follows_every_input(project):
    first = training.fingerprint()
    assert training.fingerprint() == first
    (project / "nlu" / "core" / "nlu.yml").write_text(
        (project / "nlu" / "core" / "nlu.yml").read_text() + "\n# touched\n"
    )
    second = training.fingerprint()
    assert second != first
    (project / "nlu" / "new_topic.yml").write_text('version: "3.1"\n')
    assert training.fingerprint() != second
    config = (project / "config.yml").read_text()
    (project / "config.yml").write_text(config.replace("epochs:", "epochs: 1 #", 1))
    third = training.fingerprint()
    assert len({first, second, third}) == 3
    # Our own NLU components' code shapes the model too.
    component = project / training.COMPONENT_SOURCES[0]
    component.write_text(component.read_text() + "\n# touched\n")
    assert training.fingerprint() not in {first, second, third}


def test_ensure_model_trains_only_when_the_inputs_changed(project, monkeypatch):
    trained = []

    def fake_train(target):  # stands for `rasa train`, which takes minutes
        trained.append(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"model")

    monkeypatch.setattr(training, "train", fake_train)
    first = training.ensure_model()
    assert training.ensure_model() == first
    assert trained == [first]
    (project / "domain" / "booking.yml").write_text((project / "domain" / "booking.yml").read_text() + "\n")
    second = training.ensure_model()
    assert second != first and trained == [first, second]
    assert training.ensure_model(force=True) == second and len(trained) == 3


def test_old_models_are_pruned(project, monkeypatch):
    models = project / "models"
    models.mkdir()
    for i in range(5):
        (models / f"cae-old{i}.tar.gz").write_bytes(b"x")
    keep = models / "cae-new.tar.gz"
    keep.write_bytes(b"x")
    training.prune(models, keep)
    assert keep.exists()
    assert len(list(models.glob("cae-*.tar.gz"))) == training.KEEP_MODELS
