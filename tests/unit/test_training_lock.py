"""One training at a time on the machine (bot/training.py, training_lock)."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from bot import settings, training

HOLD = """
import sys, time
from bot import training
with training.training_lock(on_wait=lambda: print("waiting", flush=True)):
    start = time.time()
    print("holding", flush=True)
    time.sleep(float(sys.argv[1]))
    print(f"interval {start} {time.time()}", flush=True)
"""


def holder(lock, seconds: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", HOLD, str(seconds)], cwd=settings.ROOT,
                            env={"CAE_TRAIN_LOCK": str(lock), "PATH": "/usr/bin:/bin"},
                            stdout=subprocess.PIPE, text=True)


def test_two_processes_never_hold_the_lock_at_once(tmp_path):
    lock = tmp_path / "train.lock"
    first = holder(lock, 1.5)
    assert first.stdout.readline().strip() == "holding"
    second = holder(lock, 0.2)
    assert second.stdout.readline().strip() == "waiting"  # it saw the first one and waits
    outputs = [p.communicate(timeout=30)[0] for p in (first, second)]
    intervals = [tuple(map(float, out.split("interval ")[1].split())) for out in outputs]
    assert intervals[1][0] >= intervals[0][1]  # the second started after the first ended


def test_not_waiting_raises_busy_and_the_lock_is_freed_when_the_holder_dies(tmp_path, monkeypatch):
    lock = tmp_path / "train.lock"
    monkeypatch.setenv("CAE_TRAIN_LOCK", str(lock))
    process = holder(lock, 60)
    assert process.stdout.readline().strip() == "holding"
    with pytest.raises(training.TrainingBusy):
        with training.training_lock(blocking=False):
            pass
    process.kill()  # killed mid-training: the kernel releases the lock
    process.wait()
    started = time.monotonic()
    with training.training_lock(blocking=False):
        assert time.monotonic() - started < 1


def test_a_dashboard_training_is_refused_while_one_runs(tmp_path, monkeypatch):
    from bot import learning

    monkeypatch.setattr(settings, "CANDIDATES_DIR", tmp_path / "candidates")
    folder = tmp_path / "candidates" / "20260101-120000-abcd"
    folder.mkdir(parents=True)
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        learning.write_status(folder, id=folder.name, state="training", progress=30, pid=sleeper.pid)
        with pytest.raises(learning.LearningError, match="déjà en cours"):
            learning.start_job()
    finally:
        sleeper.kill()
        sleeper.wait()
    # Its process gone without finishing: reported as failed, in French, and a new one may start.
    learning.write_status(folder, updated_at=0)
    (folder / learning.STATUS_FILE).write_text((folder / learning.STATUS_FILE).read_text().replace(
        '"updated_at"', '"old"'))
    _, status = learning.latest()
    assert status["state"] == "failed" and "interrompu" in status["error"]
    assert learning.running() is None
