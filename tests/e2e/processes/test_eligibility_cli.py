"""``python -m bot.eligibility`` as a person runs it: JSON and batch output."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.settings import ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.eligibility", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)


@pytest.mark.slow
def test_cli_json():
    out = run_cli("--json", "Je suis plombière", "--situation", "jobseeker_are", "--heavy-investment").stdout
    data = json.loads(out)
    assert set(data) == {"status", "redirect", "reasons", "matched", "rules", "sources"}
    assert data["status"] == "to_review" and data["redirect"] is None
    assert data["matched"] == [{"id": "plombier", "label": "plombier", "role": "own"}]
    assert {"construction", "situation_jobseeker_are", "heavy_investment"} <= set(data["rules"])
    assert "bâtiment" in out  # ensure_ascii=False


@pytest.mark.slow
def test_cli_batch(tmp_path):
    lines = ["graphiste pour des avocats", "", "notaire", "plombier"]
    (tmp_path / "in.txt").write_text("\n".join(lines), encoding="utf-8")
    out = run_cli("--batch", str(tmp_path / "in.txt")).stdout.splitlines()
    rows = [json.loads(line) for line in out]
    assert [r["text"] for r in rows] == ["graphiste pour des avocats", "notaire", "plombier"]
    assert [r["status"] for r in rows] == ["eligible", "not_eligible", "redirect"]
    assert rows[0]["matched"][1] == {"id": "avocat", "label": "avocat", "role": "client"}
