"""Train the Rasa model only when its inputs changed.

The model's name carries a fingerprint of everything that shapes it: the
pipeline, the domain, the training data and the Rasa version. ``make run``,
``make test`` and ``make train`` all go through :func:`ensure_model`, so the
same inputs are trained once and the model is reused from ``var/models/``.

    python -m bot.training [--force]
"""
from __future__ import annotations

import argparse
import fcntl
import json
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from bot import settings

KEEP_MODELS = 3


def rasa_environment() -> dict[str, str]:
    """Environment for Rasa processes: no telemetry, cache kept under var/."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("RASA_CACHE_DIRECTORY", str(settings.VAR_DIR / "rasa-cache"))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


# Our own NLU components (config.yml) and the code they train with: a change
# to them changes the model as much as a change to the data.
COMPONENT_SOURCES = ("bot/nlu_components.py", "bot/linear_intents.py", "bot/vocabulary.py")


def training_inputs() -> list[Path]:
    files = [settings.CONFIG_FILE, settings.DOMAIN_FILE]
    files += sorted(p for p in settings.DATA_DIR.rglob("*") if p.suffix in {".yml", ".yaml"})
    files += [settings.ROOT / name for name in COMPONENT_SOURCES]
    return files


def fingerprint() -> str:
    from importlib.metadata import version

    digest = hashlib.sha256()
    digest.update(f"rasa {version('rasa')} spacy {version('spacy')}\n".encode())
    for path in training_inputs():
        digest.update(str(path.relative_to(settings.ROOT)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path(models_dir: Path | None = None) -> Path:
    return (models_dir or settings.MODELS_DIR) / f"cae-{fingerprint()}.tar.gz"


def train(target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", str(settings.CONFIG_FILE),
        "--domain", str(settings.DOMAIN_FILE),
        "--data", str(settings.DATA_DIR),
        "--out", str(target.parent),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]
    # No --force: Rasa's training cache (RASA_CACHE_DIRECTORY) then retrains
    # only the graph nodes whose inputs changed (new NLU examples leave the
    # dialogue policies cached). Our components add the hash of their code
    # to their cache key (bot/nlu_components.py, fingerprint_addon).
    env = rasa_environment()
    print(f"Entraînement du modèle -> {target}", flush=True)
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=settings.ROOT, env=env)
    if not target.exists():
        raise RuntimeError(f"rasa train did not write {target}")
    # How long it took, for the benchmark (make bench).
    Path(str(target).replace(".tar.gz", ".json")).write_text(
        json.dumps({"seconds": round(time.perf_counter() - started, 1)}))


def prune(models_dir: Path, keep: Path) -> None:
    models = sorted(models_dir.glob("cae-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [m for m in models if m != keep][KEEP_MODELS - 1:]:
        old.unlink()
        Path(str(old).replace(".tar.gz", ".json")).unlink(missing_ok=True)


def ensure_model(force: bool = False, models_dir: Path | None = None) -> Path:
    """Return the model for the current inputs, training it if needed."""
    target = model_path(models_dir)
    if not force and target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Several processes (a test run, `make run`) may ask at once: one trains,
    # the others wait for it and then find the model.
    # CAE_TRAIN_LOCK: one lock file for several checkouts on one machine, so
    # that two trainings never compete for the same cores.
    with open(os.environ.get("CAE_TRAIN_LOCK") or target.parent / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if force or not target.exists():
            train(target)
            prune(target.parent, keep=target)
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="train even if the inputs did not change")
    args = parser.parse_args(argv)
    path = ensure_model(force=args.force)
    print(path)


if __name__ == "__main__":
    main()
