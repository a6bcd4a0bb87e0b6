"""Test stories and single messages on the trained model (loaded once)."""
from __future__ import annotations

import pytest

from bot.settings import ROOT

STORIES = ROOT / "tests" / "stories"

pytestmark = pytest.mark.model


def test_conversation_stories_pass(agent, servers, run_async, tmp_path):
    from rasa.core.test import test as test_stories

    # Raises WrongPredictionException on the first wrong intent or action.
    result = run_async(
        test_stories(
            str(STORIES), agent, out_directory=str(tmp_path),
            fail_on_prediction_errors=True, disable_plotting=True,
        )
    )
    assert list(STORIES.glob("*.yml")), f"no test stories in {STORIES}"
    assert result["accuracy"] == 1.0


def test_unclear_message_offers_help_instead_of_guessing(agent, servers, run_async):
    replies = run_async(agent.handle_text("azerty qsdfgh wxcvbn", sender_id="test-unclear"))
    texts = " ".join(r.get("text") or "" for r in replies)
    assert "compris" in texts, replies
    assert any(r.get("buttons") for r in replies), replies
