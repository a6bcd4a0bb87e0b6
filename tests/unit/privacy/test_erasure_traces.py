"""After a booking, a request for an advisor, an example saved by a coach and the
erasure, no file under var/ and no log line holds the person's e-mail, phone
number or name; and every such file is the owner's only."""
from __future__ import annotations

import logging
import os
import stat

import pytest

from bot import settings, training_examples
from bot.booking import service as booking
from bot.mail import OutboxMailer
from bot.handoff import create_request
from bot.privacy import erase_data
from bot.storage import db as storage
from bot.storage.files import private_umask
from bot.transcripts import TrackerReader
from tests.unit.privacy.test_privacy import save_conversation

EMAIL, PHONE, FIRST, LAST = "zelie.quenard@exemple.fr", "+33 6 47 58 69 70", "Zélie", "Quenardière"
NEEDLES = [EMAIL, "zelie.quenard", "47 58 69 70", "0647586970", "06 47 58 69 70", "+33647586970", LAST,
           "Quenardi"]


def variants(needle: str) -> list[bytes]:
    return [needle.encode("utf-8"), needle.encode("utf-16-le")]


@pytest.fixture
def var(tmp_path, monkeypatch):
    directory = tmp_path / "var"
    monkeypatch.setenv("CAE_VAR_DIR", str(directory))
    monkeypatch.setattr(settings, "VAR_DIR", directory)
    monkeypatch.setenv("CAE_LINK_SECRET", "test-secret")
    monkeypatch.delenv("CAE_OUTBOX_DIR", raising=False)
    monkeypatch.delenv("CAE_DATABASE_URL", raising=False)
    url = storage.database_url()  # var/cae.db, as on the embedded default
    storage.upgrade(url)
    db = storage.Database(url)
    from bot.booking.sample import load_sample

    load_sample(db)
    log = tmp_path / "logs" / "app.log"
    log.parent.mkdir()
    handler = logging.FileHandler(log, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    yield {"dir": directory, "db": db, "log": log}
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()
    db.dispose()


def test_nothing_personal_is_left_in_var_or_logs(var):
    directory, db = var["dir"], var["db"]
    old_umask = private_umask()  # as bot/run.py and the servers do at start
    try:
        tracker_db = directory / "tracker.db"
        save_conversation(tracker_db, "conv-z", [(f"je m'appelle {FIRST} {LAST}", ("last_name", LAST)),
                                                 (EMAIL, ("email", EMAIL)), (PHONE, ("phone", PHONE))])
        session = booking.upcoming_sessions(db)[0]
        mailer = OutboxMailer()
        booked = booking.book(db, session.id, {"first_name": FIRST, "last_name": LAST, "email": EMAIL,
                                               "phone": PHONE}, consent=True, conversation_id="conv-z",
                              mailer=mailer)
        create_request(db, "conv-z", "rest", f"rappelez-moi au 06 47 58 69 70, {FIRST}", phone=PHONE)
        training_examples.add_example("pouvez-vous me rappeler au 06 47 58 69 70 ou zelie.quenard@exemple.fr",
                                      "human_handoff", conversation_id="conv-z")
        training_examples.add_example("c'est quoi une cae", "human_handoff", conversation_id="conv-other")
        assert "[téléphone]" in training_examples.load()["human_handoff"][0]
        booking.cancel(db, booked.reference, EMAIL, mailer=mailer)
        booking.book(db, session.id, {"first_name": FIRST, "last_name": LAST, "email": EMAIL, "phone": PHONE},
                     consent=True, conversation_id="conv-z", mailer=mailer)

        files = [p for p in directory.rglob("*") if p.is_file()]
        assert {p.name for p in files} >= {"cae.db", "tracker.db", "training_examples.yml"}
        assert list((directory / "outbox").glob("*.eml"))
        for path in files + [p for p in directory.rglob("*") if p.is_dir()] + [directory]:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
        before = b"".join(p.read_bytes() for p in files)
        assert EMAIL.encode() in before and LAST.encode("utf-8") in before

        reader = TrackerReader(f"sqlite:///{tracker_db}")
        try:
            summary = erase_data(db, reader, "conv-z")
        finally:
            reader.dispose()
        db.dispose()
        assert summary["examples"] == 1 and summary["emails"] >= 3

        for path in [p for p in directory.rglob("*") if p.is_file()] + [var["log"]]:
            content = path.read_bytes()
            for needle in NEEDLES:
                for form in variants(needle):
                    assert form not in content, (path.name, needle)
        assert training_examples.load() == {"human_handoff": ["c'est quoi une cae"]}
        log_text = var["log"].read_text(encoding="utf-8")
        assert "written to" in log_text and "z***@e***.fr" in log_text
    finally:
        os.umask(old_umask)
