"""The learning loop run from the dashboard: train a candidate model, compare
it with the active one, activate it in every running Rasa server, roll back.

- A candidate is trained in the background by ``python -m bot.learning run
  <folder>`` (:func:`start_job`), into ``var/candidates/<id>/``, under the
  machine's training lock (bot/training.py): one training at a time, whichever
  process asks. Its progress is written to ``status.json`` (state, percent,
  stage in French, error in French), which the dashboard polls.
- The comparison is NLU-only (bot/rasa/model_report.py, run in a subprocess): both
  held-out FAQ sets and the user turns of the test stories, parsed by each
  model loaded in-process, the FAQ answer decided as the assistant decides it
  (bot/answering.py).
- Activation copies the candidate into the models folder and asks every Rasa
  server (``CAE_RASA_API_URLS``, token ``CAE_RASA_API_TOKEN``: set for the web
  app by bot/servers.py and bot/deploy/profile.py) to load it (``PUT /model``),
  without a restart. ``models/active.json`` remembers it and the model it
  replaced, for "Revenir au modèle précédent" and for ``make run``
  (bot/training.py, :func:`~bot.training.model_to_serve`).

A failed training leaves the active model and ``active.json`` untouched.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

import yaml

from bot import settings, training

RUNNING = ("starting", "waiting", "training", "evaluating")
STATUS_FILE = "status.json"
REPORT_FILE = "report.json"
LOG_FILE = "job.log"
LOAD_TIMEOUT_S = 300
KEEP_CANDIDATES = 3  # older candidate folders are deleted (an activated model lives in the models folder)


class LearningError(RuntimeError):
    """Something the admin must read, in French."""


# --------------------------------------------------------------------------- candidates


def candidates_dir() -> Path:
    return Path(settings.CANDIDATES_DIR)


def read_status(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_status(folder: Path, **fields: Any) -> dict[str, Any]:
    status = {**read_status(folder), **fields, "updated_at": time.time()}
    temporary = folder / f".{STATUS_FILE}.tmp"
    temporary.write_text(json.dumps(status, ensure_ascii=False), encoding="utf-8")
    temporary.replace(folder / STATUS_FILE)
    return status


def candidate(candidate_id: str) -> Path:
    """The folder of one candidate; LearningError for anything but a known id."""
    if not re.fullmatch(r"[0-9]{8}-[0-9]{6}-[0-9a-f]{4}", candidate_id or ""):
        raise LearningError("Modèle candidat inconnu.")
    folder = candidates_dir() / candidate_id
    if not (folder / STATUS_FILE).exists():
        raise LearningError("Modèle candidat inconnu.")
    return folder


def _alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, TypeError, ValueError):
        return False
    # A finished child not yet reaped is a zombie: not running any more.
    try:
        with open(f"/proc/{int(pid)}/stat") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def latest() -> Optional[tuple[Path, dict[str, Any]]]:
    """The most recent candidate and its status (a job whose process is gone
    without finishing is reported as failed)."""
    folders = sorted((p for p in candidates_dir().glob("*-*-*") if (p / STATUS_FILE).exists()), reverse=True)
    if not folders:
        return None
    status = read_status(folders[0])
    if status.get("state") in RUNNING and not _alive(status.get("pid")) \
            and time.time() - float(status.get("updated_at") or 0) > 5:
        status = write_status(folders[0], state="failed", error=(
            "L'entraînement s'est interrompu (processus arrêté). Le modèle actif n'a pas changé."))
    return folders[0], status


def running() -> Optional[tuple[Path, dict[str, Any]]]:
    found = latest()
    return found if found and found[1].get("state") in RUNNING else None


def start_job(env: Optional[dict] = None) -> str:
    """Start training a candidate in the background; returns its id.
    LearningError when a candidate is already being trained from the dashboard
    (a training started elsewhere is waited for, under the training lock)."""
    if running():
        raise LearningError("Un entraînement est déjà en cours : attendez qu'il se termine.")
    for old in sorted(candidates_dir().glob("*-*-*"), reverse=True)[KEEP_CANDIDATES - 1:]:
        shutil.rmtree(old, ignore_errors=True)
    candidate_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
    folder = candidates_dir() / candidate_id
    folder.mkdir(parents=True, exist_ok=False)
    write_status(folder, id=candidate_id, state="starting", progress=0, started_at=time.time(),
                 stage="Démarrage…")
    with open(folder / LOG_FILE, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot.learning", "run", str(folder)],
                                   cwd=settings.ROOT, env=env or dict(os.environ), stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    write_status(folder, pid=process.pid)
    _children.append(process)
    return candidate_id


_children: list[subprocess.Popen] = []


def reap() -> None:
    """Collect finished jobs started by this process (no zombies)."""
    for process in list(_children):
        if process.poll() is not None:
            _children.remove(process)


# --------------------------------------------------------------------------- the job


def _expected_components() -> int:
    config = yaml.safe_load(settings.CONFIG_FILE.read_text(encoding="utf-8")) or {}
    return max(1, len(config.get("pipeline") or []) + len(config.get("policies") or []))


def _failure_reason(lines: Sequence[str]) -> str:
    for line in reversed(lines):
        if re.search(r"(Error|Exception|error:|Invalid)", line):
            return line.strip()[-300:]
    return (lines[-1].strip()[-300:] if lines else "")


def run_job(folder: Path) -> int:
    """The background job: train, then compare. Writes status.json as it goes."""
    folder = Path(folder)
    lines: list[str] = []
    expected = _expected_components()
    finished = 0

    def on_line(line: str) -> None:
        nonlocal finished
        lines.append(line)
        print(line, flush=True)
        if "Finished training component" in line:
            finished += 1
            write_status(folder, progress=5 + int(55 * min(1.0, finished / expected)))

    try:
        with training.training_lock(on_wait=lambda: write_status(
                folder, state="waiting", stage="En attente : un autre entraînement est en cours sur cette machine…")):
            inputs = training.fingerprint()
            target = folder / f"cae-{inputs}.tar.gz"
            write_status(folder, state="training", progress=5, inputs=inputs,
                         stage="Entraînement du modèle candidat…")
            trained = Path(settings.MODELS_DIR) / target.name
            if trained.exists():  # these very inputs were trained already
                shutil.copyfile(trained, target)
            else:
                training.train(target, on_line=on_line)
            write_status(folder, state="evaluating", progress=60, model=target.name,
                         stage="Comparaison avec le modèle actif…")
            active = current_model()
            _evaluate(folder, active, target)
    except subprocess.CalledProcessError as error:
        reason = _failure_reason(lines)
        write_status(folder, state="failed", finished_at=time.time(), error=(
            f"L'entraînement a échoué (Rasa s'est arrêté avec le code {error.returncode})"
            + (f" : « {reason} »" if reason else "") + ". Le modèle actif n'a pas changé."))
        return 1
    except Exception as error:  # noqa: BLE001 - said in French to the admin, job stops
        write_status(folder, state="failed", finished_at=time.time(), error=(
            f"L'entraînement a échoué : {error}. Le modèle actif n'a pas changé."))
        return 1
    write_status(folder, state="done", progress=100, finished_at=time.time(), stage="Terminé.")
    return 0


def _evaluate(folder: Path, active: Optional[Path], target: Path) -> None:
    models = [str(target)] + ([str(active)] if active and active.name != target.name else [])
    command = [sys.executable, "-m", "bot.rasa.model_report", "--out", str(folder / REPORT_FILE)]
    for model in models:
        command += ["--model", model]
    with subprocess.Popen(command, cwd=settings.ROOT, env=training.rasa_environment(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace") as process:
        tail: list[str] = []
        for line in process.stdout:
            print(line, end="", flush=True)
            match = re.match(r"PROGRESS (\d+) (\d+)", line)
            if match:
                done, total = int(match[1]), int(match[2])
                write_status(folder, progress=60 + int(39 * done / max(1, total)))
            else:
                tail = (tail + [line.rstrip()])[-20:]
    if process.returncode:
        raise LearningError(f"la comparaison des modèles a échoué ({_failure_reason(tail) or process.returncode})")


# --------------------------------------------------------------------------- comparison


def load_report(folder: Path) -> Optional[dict]:
    try:
        return json.loads((folder / REPORT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class Side:
    right: int
    total: int
    confident_errors: int

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


def compare(report: dict, candidate_name: str, active_name: Optional[str]) -> dict[str, Any]:
    """Side-by-side figures of the candidate and the active model, and the
    questions whose answer changed."""
    models = report.get("models") or {}
    new = models.get(candidate_name) or {}
    old = models.get(active_name) if active_name else None
    sets = []
    for name, rows in (new.get("sets") or {}).items():
        before_rows = (old or {}).get("sets", {}).get(name) or []
        before = {r["text"]: r for r in before_rows}

        def side(items):
            return Side(sum(r["answered"] == r["expected"] for r in items), len(items),
                        sum(bool(r["answered"]) and r["answered"] != r["expected"] for r in items))

        changed = [{"text": r["text"], "expected": r["expected"],
                    "before": before[r["text"]]["answered"], "after": r["answered"]}
                   for r in rows if r["text"] in before and before[r["text"]]["answered"] != r["answered"]]
        sets.append({"name": name, "candidate": side(rows), "active": side(before_rows) if old else None,
                     "changed": changed})
    stories_new = new.get("stories") or []
    stories_old = {r["text"]: r for r in ((old or {}).get("stories") or [])}
    stories = {
        "candidate": Side(sum(r["got"] == r["expected"] for r in stories_new), len(stories_new), 0),
        "active": (Side(sum(r["got"] == r["expected"] for r in stories_old.values()), len(stories_old), 0)
                   if old else None),
        "changed": [{"text": r["text"], "expected": r["expected"], "before": stories_old[r["text"]]["got"],
                     "after": r["got"]} for r in stories_new
                    if r["text"] in stories_old and stories_old[r["text"]]["got"] != r["got"]],
    }
    return {"sets": sets, "stories": stories}


# --------------------------------------------------------------------------- activation


def _api(url: str, path: str, token: str, method: str = "GET", body: Optional[dict] = None,
         timeout: float = 10) -> Any:
    request = urllib.request.Request(
        f"{url}{path}?token={urllib.parse.quote(token)}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"} if body is not None else {})
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        raw = reply.read()
    return json.loads(raw) if raw else None


def _find_model(name: str) -> Optional[Path]:
    """A model file by name: in the models folder, else in a candidate's folder."""
    name = Path(name).name
    for place in [Path(settings.MODELS_DIR), *sorted(candidates_dir().glob("*-*-*"), reverse=True)]:
        if (place / name).is_file():
            return place / name
    return None


def served_models(urls: Optional[Sequence[str]] = None, token: Optional[str] = None) -> dict[str, Optional[str]]:
    """url -> name of the model that Rasa server has loaded (None: unreachable)."""
    token = token or settings.rasa_api_token_for_web()
    found: dict[str, Optional[str]] = {}
    for url in urls or settings.rasa_api_urls():
        try:
            found[url] = Path((_api(url, "/status", token) or {}).get("model_file") or "").name or None
        except (OSError, ValueError):
            found[url] = None
    return found


def current_model() -> Optional[Path]:
    """The active model: the one the Rasa servers serve, else the one chosen
    last, else the model of the current inputs, else the newest one."""
    for name in served_models().values():
        if name and _find_model(name):
            return _find_model(name)
    chosen = training.read_active().get("model")
    if chosen and _find_model(chosen):
        return _find_model(chosen)
    fingerprinted = Path(settings.MODELS_DIR) / f"cae-{training.fingerprint()}.tar.gz"
    if fingerprinted.exists():
        return fingerprinted
    models = sorted(Path(settings.MODELS_DIR).glob("cae-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def _load_everywhere(model: Path, urls: Sequence[str], token: str) -> None:
    failed = []
    for url in urls:
        try:
            _api(url, "/model", token, method="PUT", body={"model_file": str(model)}, timeout=LOAD_TIMEOUT_S)
        except urllib.error.HTTPError as error:
            failed.append(f"{url} (erreur {error.code})")
        except (OSError, ValueError) as error:
            failed.append(f"{url} ({getattr(error, 'reason', error)})")
    if failed:
        raise LearningError("Le modèle n'a pas pu être chargé par : " + ", ".join(failed)
                            + ". Vérifiez que les serveurs Rasa tournent, puis réessayez.")


def _remember(model: Path, previous: Optional[Path], inputs: Optional[str]) -> None:
    path = Path(settings.MODELS_DIR) / training.ACTIVE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"model": model.name, "previous": previous.name if previous else None,
                                     "inputs": inputs, "activated_at": time.time()}), encoding="utf-8")
    temporary.replace(path)


def activate(candidate_id: str, urls: Optional[Sequence[str]] = None, token: Optional[str] = None) -> Path:
    """Load a finished candidate into every Rasa server; the model it replaces
    is kept for :func:`rollback`. Returns the model's path in the models folder."""
    folder = candidate(candidate_id)
    status = read_status(folder)
    if status.get("state") != "done" or not status.get("model"):
        raise LearningError("Ce modèle candidat n'est pas prêt : seul un entraînement terminé peut être activé.")
    source = folder / status["model"]
    if not source.is_file():
        raise LearningError("Le fichier du modèle candidat a disparu : réentraînez.")
    previous = current_model()
    models_dir = Path(settings.MODELS_DIR)
    models_dir.mkdir(parents=True, exist_ok=True)
    model = models_dir / source.name
    if not model.exists():
        temporary = models_dir / f".{source.name}.tmp"
        shutil.copyfile(source, temporary)
        temporary.replace(model)
    _load_everywhere(model, urls or settings.rasa_api_urls(), token or settings.rasa_api_token_for_web())
    _remember(model, previous if previous and previous.name != model.name else None, status.get("inputs"))
    write_status(folder, activated_at=time.time())
    return model


def rollback(urls: Optional[Sequence[str]] = None, token: Optional[str] = None) -> Path:
    """Load the model used before the last activation back into every Rasa server."""
    active = training.read_active()
    previous = _find_model(active.get("previous") or "") if active.get("previous") else None
    if previous is None:
        raise LearningError("Aucun modèle précédent à rétablir.")
    models_dir = Path(settings.MODELS_DIR)
    if previous.parent != models_dir:
        shutil.copyfile(previous, models_dir / previous.name)
        previous = models_dir / previous.name
    _load_everywhere(previous, urls or settings.rasa_api_urls(), token or settings.rasa_api_token_for_web())
    current = _find_model(active.get("model") or "")
    _remember(previous, current, training.fingerprint())
    return previous


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.learning")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="train and compare a candidate (started by the dashboard)")
    run.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    return run_job(args.folder)


if __name__ == "__main__":
    sys.exit(main())
