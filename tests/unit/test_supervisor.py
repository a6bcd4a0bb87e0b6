"""The supervisor: a process that dies is started again, with backoff."""
from __future__ import annotations

import signal
import sys
import time

import pytest

from bot.servers import Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]
CRASHER = [sys.executable, "-c", "raise SystemExit(3)"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def wait_exit(process) -> None:
    process.wait(timeout=30)


@pytest.fixture()
def clock():
    return Clock()


def test_a_killed_process_is_started_again_and_the_others_keep_running(tmp_path, clock):
    supervisor = Supervisor(journal=tmp_path / "supervisor.log", clock=clock)
    supervisor.add("actions", SLEEPER, {}, tmp_path / "actions.log")
    supervisor.add("web", SLEEPER, {}, tmp_path / "web.log")
    supervisor.start(watch=False)
    try:
        first, web = supervisor.processes["actions"], supervisor.processes["web"]
        first.send_signal(signal.SIGKILL)
        wait_exit(first)
        supervisor.check()  # noticed: restart scheduled in 1 s
        assert supervisor.processes["actions"] is first
        clock.now += 1.0
        supervisor.check()
        second = supervisor.processes["actions"]
        assert second.pid != first.pid and second.poll() is None
        assert supervisor.processes["web"] is web and web.poll() is None
        journal = (tmp_path / "supervisor.log").read_text()
        assert "Arrêt inattendu : le serveur d'actions (code -9" in journal
        assert "redémarrage dans 1 s" in journal
        assert "Redémarrage : le serveur d'actions (tentative n° 1)." in journal
    finally:
        supervisor.stop(grace=5)
    assert all(p.poll() is not None for p in supervisor.processes.values())


def test_backoff_doubles_up_to_the_cap_and_resets_after_a_stable_run(tmp_path, clock):
    supervisor = Supervisor(min_delay=1, max_delay=8, stable_after=60, clock=clock)
    supervisor.add("rasa", CRASHER, {})
    supervisor.start(watch=False)
    child = supervisor.children["rasa"]
    delays = []
    try:
        for _ in range(6):
            wait_exit(child.process)
            supervisor.check()
            delays.append(child.delay)
            clock.now += child.delay
            supervisor.check()  # started again (and crashes at once)
        assert delays == [1, 2, 4, 8, 8, 8]
        assert child.restarts == 6
        # Once it has run for a stable period, the next failure waits 1 s again.
        wait_exit(child.process)
        clock.now += 61
        supervisor.check()
        assert child.delay == 1
    finally:
        supervisor.stop(grace=5)


def test_the_background_thread_restarts_a_killed_process(tmp_path):
    supervisor = Supervisor(min_delay=0.2, period=0.1)
    supervisor.add("web", SLEEPER, {})
    supervisor.start()
    try:
        first = supervisor.processes["web"]
        first.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + 15
        while supervisor.processes["web"] is first and time.monotonic() < deadline:
            time.sleep(0.1)
        assert supervisor.processes["web"] is not first
        assert supervisor.processes["web"].poll() is None
    finally:
        supervisor.stop(grace=5)
    assert supervisor.processes["web"].poll() is not None


def test_a_held_process_stays_stopped_until_released(tmp_path, clock):
    supervisor = Supervisor(clock=clock)
    supervisor.add("actions", SLEEPER, {})
    supervisor.start(watch=False)
    try:
        supervisor.hold("actions")
        clock.now += 100
        supervisor.check()
        assert supervisor.processes["actions"].poll() is not None
        supervisor.release("actions")
        assert supervisor.processes["actions"].poll() is None
    finally:
        supervisor.stop(grace=5)
