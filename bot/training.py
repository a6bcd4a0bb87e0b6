"""Train the Rasa model only when its inputs changed.

The model's name carries a fingerprint of everything that shapes it: the
pipeline, the domain, the training data and the Rasa version. ``make run``,
``make test`` and ``make train`` all go through :func:`ensure_model`, so the
same inputs are trained once and the model is reused from ``var/models/``.

    python -m bot.training [--force]
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator, Optional

from bot import settings

KEEP_MODELS = 3
# The model chosen from the dashboard ("Activer", "Revenir au modèle
# précédent", bot/learning.py), in the models folder: {"model", "previous",
# "inputs", "activated_at"}. `make run` serves it while the training inputs
# are those it was activated with; pruning never deletes it nor the previous one.
ACTIVE_FILE = "active.json"


def rasa_environment() -> dict[str, str]:
    """Environment for Rasa processes: no telemetry, cache kept under var/."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("RASA_CACHE_DIRECTORY", str(settings.VAR_DIR / "rasa-cache"))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


# Our own NLU components (config.yml) and the code they train with: a change
# to them changes the model as much as a change to the data.
COMPONENT_SOURCES = ("bot/rasa/nlu_components.py", "bot/linear_intents.py", "bot/vocabulary.py",
                     "bot/text.py")


def training_inputs() -> list[Path]:
    from bot import domain

    files = [settings.CONFIG_FILE, *domain.files()]
    files += sorted(p for p in settings.DATA_DIR.rglob("*") if p.suffix in {".yml", ".yaml"})
    files += [settings.ROOT / name for name in COMPONENT_SOURCES]
    return files


def _input_name(path: Path) -> str:
    """The name an input is hashed under: the same wherever the data lives
    (CAE_DATA_DIR, CAE_CONFIG_FILE, CAE_DOMAIN_DIR)."""
    if path == settings.CONFIG_FILE:
        return "config.yml"
    if path.is_relative_to(settings.DOMAIN_DIR):
        return str(Path("domain") / path.relative_to(settings.DOMAIN_DIR))
    if path.is_relative_to(settings.DATA_DIR):
        return str(Path("nlu") / path.relative_to(settings.DATA_DIR))
    return str(path.relative_to(settings.ROOT))


def fingerprint() -> str:
    from importlib.metadata import version

    digest = hashlib.sha256()
    digest.update(f"rasa {version('rasa')} spacy {version('spacy')}\n".encode())
    for path in training_inputs():
        digest.update(_input_name(path).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path(models_dir: Path | None = None) -> Path:
    return (models_dir or settings.MODELS_DIR) / f"cae-{fingerprint()}.tar.gz"


class TrainingBusy(RuntimeError):
    """Another training holds the lock (asked not to wait)."""


def lock_path(models_dir: Optional[Path] = None) -> Path:
    """CAE_TRAIN_LOCK: one lock file for several checkouts on one machine, so
    that two trainings never compete for the same cores; else in the models folder."""
    return settings.current().train_lock or (models_dir or settings.MODELS_DIR) / ".train.lock"


@contextlib.contextmanager
def training_lock(blocking: bool = True, models_dir: Optional[Path] = None,
                  on_wait: Optional[Callable[[], None]] = None) -> Iterator[None]:
    """One training at a time on this machine, whichever process asks (``make
    train``, the test suite, the dashboard's candidate trainings): an exclusive
    ``flock``, released when the holder exits, even killed. ``blocking=False``
    raises :class:`TrainingBusy` instead of waiting; ``on_wait`` is called
    before waiting."""
    path = lock_path(models_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not blocking:
                raise TrainingBusy(str(path)) from None
            if on_wait is not None:
                on_wait()
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def train(target: Path, on_line: Optional[Callable[[str], None]] = None) -> None:
    """``rasa train`` into ``target``; ``on_line``: gets each line of its output
    (the output then does not go to this terminal)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", str(settings.CONFIG_FILE),
        "--domain", str(settings.DOMAIN_DIR),
        "--data", str(settings.DATA_DIR),
        "--out", str(target.parent),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]
    # No --force: Rasa's training cache (RASA_CACHE_DIRECTORY) then retrains
    # only the graph nodes whose inputs changed (new NLU examples leave the
    # dialogue policies cached). Our components add the hash of their code
    # to their cache key (bot/rasa/nlu_components.py, fingerprint_addon).
    env = rasa_environment()
    print(f"Entraînement du modèle -> {target}", flush=True)
    started = time.perf_counter()
    if on_line is None:
        subprocess.run(command, check=True, cwd=settings.ROOT, env=env)
    else:
        with subprocess.Popen(command, cwd=settings.ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace") as process:
            for line in process.stdout:
                on_line(line.rstrip("\n"))
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, command)
    if not target.exists():
        raise RuntimeError(f"rasa train did not write {target}")
    # How long it took, for the benchmark (make bench).
    Path(str(target).replace(".tar.gz", ".json")).write_text(
        json.dumps({"seconds": round(time.perf_counter() - started, 1)}))


def read_active(models_dir: Optional[Path] = None) -> dict:
    """The dashboard's choice (ACTIVE_FILE), or {} when none was made."""
    path = (models_dir or settings.MODELS_DIR) / ACTIVE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def pinned_models(models_dir: Path) -> set[Path]:
    active = read_active(models_dir)
    return {models_dir / Path(active[key]).name for key in ("model", "previous") if active.get(key)}


def prune(models_dir: Path, keep: Path) -> None:
    models = sorted(models_dir.glob("cae-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    pinned = pinned_models(models_dir)
    for old in [m for m in models if m != keep and m not in pinned][KEEP_MODELS - 1:]:
        old.unlink()
        Path(str(old).replace(".tar.gz", ".json")).unlink(missing_ok=True)


def ensure_model(force: bool = False, models_dir: Path | None = None) -> Path:
    """Return the model for the current inputs, training it if needed."""
    target = model_path(models_dir)
    if not force and target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Several processes (a test run, `make run`, the dashboard) may ask at
    # once: one trains, the others wait for it and then find the model.
    with training_lock(models_dir=target.parent):
        if force or not target.exists():
            train(target)
            prune(target.parent, keep=target)
    return target


def model_to_serve(models_dir: Optional[Path] = None) -> Path:
    """What `make run` serves: the model activated from the dashboard while the
    training inputs are still those it was activated with (a restart keeps the
    coaches' choice, a rollback included); otherwise, the inputs having changed
    since, the model of the current inputs (trained if needed)."""
    models_dir = models_dir or settings.MODELS_DIR
    active = read_active(models_dir)
    if active.get("model") and active.get("inputs") == fingerprint():
        chosen = models_dir / Path(active["model"]).name
        if chosen.exists():
            return chosen
    return ensure_model(models_dir=models_dir)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="train even if the inputs did not change")
    args = parser.parse_args(argv)
    path = ensure_model(force=args.force)
    print(path)


if __name__ == "__main__":
    main()
