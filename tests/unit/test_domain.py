"""The domain split by topic (domain/<topic>.yml beside nlu/<topic>/): each name
declared once, in the file of the topic that uses it; personal slots flagged."""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from bot import domain, settings

TOPICS = sorted(p.name for p in (settings.ROOT / "nlu").iterdir() if p.is_dir())


def by_file() -> dict[str, dict]:
    return {path.stem: domain.read_file(path) for path in domain.files()}


def names(data: dict, key: str) -> list[str]:
    value = data.get(key) or []
    return [n if isinstance(n, str) else next(iter(n)) for n in value]


@lru_cache(maxsize=None)
def topic_text(topic: str) -> str:
    """Everything of a topic that may use a domain name: its training data and
    rules, its actions, its plain-Python package."""
    root = settings.ROOT
    paths = list((root / "nlu" / topic).glob("*.yml")) + list((root / "actions").glob(f"{topic}.py"))
    paths += list((root / "actions" / topic).rglob("*.py")) + list((root / "bot" / topic).rglob("*.py"))
    paths += list((root / "bot").glob(f"{topic}.py"))
    return "\n".join(p.read_text(encoding="utf-8") for p in paths)


def users(name: str) -> set[str]:
    pattern = re.compile(rf"(?<![\w/]){re.escape(name)}(?!\w)")
    return {t for t in TOPICS if pattern.search(topic_text(t))}


def test_one_file_per_nlu_topic():
    assert sorted(by_file()) == TOPICS


def test_no_name_is_declared_in_two_files():
    """Rasa merges the files silently (the last one wins): a name twice is a mistake."""
    for key in ("intents", "entities", "actions", "slots", "forms", "responses"):
        counts = Counter(n for data in by_file().values() for n in names(data, key))
        assert [n for n, c in counts.items() if c > 1] == [], key


def test_actions_and_forms_live_with_their_topic():
    for topic, data in by_file().items():
        for action in names(data, "actions"):
            assert users(action) and topic in users(action), (topic, action, users(action))
        for form, spec in (data.get("forms") or {}).items():
            assert f"validate_{form}" in names(data, "actions") or topic in users(form), (topic, form)
            missing = [s for s in spec.get("required_slots") or [] if s not in (data.get("slots") or {})]
            assert missing == [], (topic, form, missing)


def test_intents_live_with_the_nlu_topic_that_uses_them():
    """An intent used by one topic is in that topic's file; one used by several
    (yes, no, stop, help) is in core's."""
    for topic, data in by_file().items():
        for intent in names(data, "intents"):
            used = users(f"intent: {intent}") | {t for t in TOPICS if re.search(
                rf"/{intent}\b", topic_text(t))}
            assert topic in used or (topic == "core" and len(used) > 1), (topic, intent, used)


def test_responses_live_with_the_topic_that_sends_them():
    """utter_ask_<slot> beside its slot; another response in a topic that sends
    it, or in core when several do or Rasa itself does (utter_restart, utter_default)."""
    slot_file = {s: t for t, data in by_file().items() for s in data.get("slots") or {}}
    for topic, data in by_file().items():
        for response in data.get("responses") or {}:
            slot = response.removeprefix("utter_ask_")
            if response.startswith("utter_ask_") and slot in slot_file:
                assert slot_file[slot] == topic, (topic, response)
                continue
            used = users(response)
            assert topic in used or (topic == "core" and len(used) != 1), (topic, response, used)


# Slots a person fills by typing that are not personal data: the calculators'
# amounts (charges, rates, monthly figures), kept as the conversation's numbers.
FIGURES = {"be_fixed_costs", "be_variable_rate", "be_contribution_rate", "be_monthly_pay",
           "be_monthly_turnover", "cash_inflows", "cash_outflows"}


def test_every_slot_holding_personal_data_is_flagged_in_its_own_file():
    flagged = domain.personal_slots()
    assert len(flagged) == len(set(flagged))
    for topic, data in by_file().items():
        own = (data.get("config") or {}).get("personal_slots") or []
        assert set(own) <= set(data.get("slots") or {}), topic
    # Who the person is and what they told about themselves.
    identity = {"first_name", "last_name", "email", "phone", "handoff_contact", "booking_reference",
                "situation", "activity_description", "activity_label", "link_proof", "link_email_code",
                "booking_where"}
    assert identity <= set(flagged)
    # Any slot filled from free text is the person's words: flagged unless a figure.
    typed = {name for name, slot in domain.load()["slots"].items()
             if any(m.get("type") == "from_text" for m in slot.get("mappings") or [])}
    assert typed - FIGURES <= set(flagged), typed - FIGURES - set(flagged)


def test_the_erase_action_resets_the_flagged_slots():
    from actions.privacy import PERSONAL_SLOTS

    assert set(PERSONAL_SLOTS) == set(domain.personal_slots()) and "email" in PERSONAL_SLOTS


def test_rasa_reads_the_folder_as_one_domain_with_the_same_names():
    from rasa.shared.core.domain import Domain

    rasa_domain = Domain.load(str(settings.DOMAIN_DIR))
    ours = domain.load()
    assert set(domain.intent_names(ours)) <= set(rasa_domain.intents)
    assert {s.name for s in rasa_domain.slots} >= set(ours["slots"])
    assert set(rasa_domain.responses) == set(ours["responses"])
    assert set(rasa_domain.form_names) == set(ours["forms"])
    assert set(ours["actions"]) <= set(rasa_domain.user_actions)


def test_a_domain_file_outside_the_default_folder_is_read(tmp_path, monkeypatch):
    (tmp_path / "core.yml").write_text('version: "3.1"\nintents: [greet]\nconfig:\n  personal_slots: [x]\n'
                                       "slots:\n  x: {type: text, mappings: [{type: custom}]}\n")
    monkeypatch.setattr(settings, "DOMAIN_DIR", tmp_path)
    assert domain.intent_names() == ["greet"] and domain.personal_slots() == ("x",)
    assert domain.files() == [Path(tmp_path / "core.yml")]


def test_every_response_an_action_names_is_in_the_domain():
    """A name the actions send (``response="utter_…"``, or a table of them in
    bot/) that the domain lacks would be silently dropped by Rasa."""
    responses = set(domain.load()["responses"])
    sources = list((settings.ROOT / "actions").rglob("*.py")) + list((settings.ROOT / "bot").rglob("*.py"))
    named = {name for path in sources
             for name in re.findall(r'"(utter_[a-z_]*[a-z])"', path.read_text(encoding="utf-8"))}
    named.discard("utter_action")  # Rasa's key in a message's metadata, not a response
    assert "utter_booking_recap" in named and named - responses == set()


def test_the_booking_actions_hold_no_sentence_and_stay_small():
    """Their sentences are responses of domain/booking.yml; texts built from data
    come from bot/booking/dialogue.py."""
    for path in sorted((settings.ROOT / "actions" / "booking").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r'utter_message\(\s*text=f?"', source), path.name
        assert not re.search(r'"title":\s*"', source), path.name
        assert len(source.splitlines()) < 200, path.name


def test_every_actions_file_stays_small():
    """Thin adapters: each file of actions/ under 200 lines (split a topic into a package)."""
    sizes = {str(p.relative_to(settings.ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in (settings.ROOT / "actions").rglob("*.py")}
    assert len(sizes) > 10
    assert {name: n for name, n in sizes.items() if n >= 200} == {}
