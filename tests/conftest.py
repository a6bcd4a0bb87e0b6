"""Shared fixtures, and the rule of the folders.

tests/unit runs without a trained model, a server, a database server, a browser
or anything slow (``make test-fast``); tests/e2e has them; tests/env checks the
machine and the set-up. A test in tests/unit that asks for one of the fixtures
below, or carries one of the markers, fails and says where it belongs.

The Rasa model is trained once (and cached in var/models/ between runs while
its inputs do not change), then loaded once per test session: in this process
for the test stories, and in the real Rasa server for the end-to-end tests.
The two loads run side by side.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.servers import free_port

pytest_plugins = ["pytester"]  # tests/unit/test_folder_rule.py

# What tests/unit may not use: the fixtures (directly or through others) and the markers.
E2E_FIXTURES = frozenset({"rasa_model", "started_servers", "servers", "agent", "run_async",
                          "pg_url", "redis_url", "chromium", "dashboard"})
E2E_MARKERS = ("model", "servers", "postgres", "slow")


def unit_rule_broken(item) -> str | None:
    """Why this test may not be in tests/unit (None: it may, or it is elsewhere)."""
    try:
        parts = item.path.relative_to(item.config.rootpath).parts
    except ValueError:
        return None
    if parts[:2] != ("tests", "unit"):
        return None
    used = sorted(E2E_FIXTURES.intersection(item.fixturenames))
    marked = [name for name in E2E_MARKERS if item.get_closest_marker(name)]
    if not used and not marked:
        return None
    what = ", ".join([*(f"fixture {name}" for name in used), *(f"marker {name}" for name in marked)])
    return (f"{item.nodeid} uses {what}: tests/unit is for tests without a model, a server, "
            "PostgreSQL, Redis, a browser or anything slow; move it to tests/e2e/")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    problem = unit_rule_broken(item)
    if problem:
        pytest.fail(problem, pytrace=False)

# The secret behind signed links and one-time codes, in the tests and their servers.
TEST_LINK_SECRET = "test-link-secret"


@pytest.fixture(scope="session", autouse=True)
def own_database(tmp_path_factory):
    """Nothing in the tests writes to the developer's var/cae.db, var/outbox or
    var/link_secret: the default database and outbox are throw-away ones, and
    the link secret is the one the test servers get (codes and links made here
    are checked there)."""
    import os

    from bot.storage import db as storage

    directory = tmp_path_factory.mktemp("default-db")
    saved = {key: os.environ.get(key)
             for key in ("CAE_DATABASE_URL", "CAE_OUTBOX_DIR", "CAE_LINK_SECRET")}
    os.environ["CAE_DATABASE_URL"] = f"sqlite:///{directory / 'cae.db'}"
    os.environ["CAE_OUTBOX_DIR"] = str(directory / "outbox")
    os.environ["CAE_LINK_SECRET"] = TEST_LINK_SECRET
    storage._default = None
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    storage._default = None


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes():
    """Real argon2 hashes, with the cheapest parameters: a hash is checked with
    the parameters written in it, and the default ones cost ~0.1 s per login
    or BasicAuth call (hundreds in the web tests). Hashes made here (the test
    databases' accounts) are cheap to check; the servers keep the defaults."""
    from argon2 import PasswordHasher

    from bot import accounts

    saved = accounts.HASHER
    accounts.HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    accounts.HASHER = saved


@pytest.fixture(scope="session")
def rasa_model() -> Path:
    from bot.training import ensure_model

    return ensure_model()


@pytest.fixture(scope="session")
def channel_stubs():
    """Loopback stand-ins for Telegram's and Twilio's APIs (tests/stubs.py)."""
    from tests.stubs import ChannelStubs

    with ChannelStubs() as stubs:
        yield stubs


@pytest.fixture(scope="session")
def started_servers(rasa_model, tmp_path_factory, channel_stubs):
    """Real action server + Rasa server + web app on free ports, tracker in a fresh
    SQLite file; every channel on, Telegram and WhatsApp talking to the stand-ins."""
    import os

    from bot.servers import Servers

    workdir = tmp_path_factory.mktemp("servers")
    actions_port = free_port()
    web_port = free_port()
    env = {**os.environ, **channel_stubs.env}
    # Our own data in a fresh SQLite file with the sample sessions; e-mails to an outbox.
    from bot.booking.sample import load_sample
    from bot.storage.db import Database, upgrade

    database_url = f"sqlite:///{workdir / 'cae.db'}"
    upgrade(database_url)
    sample_db = Database(database_url)
    from bot.caes.store import load_profiles
    load_profiles(sample_db)
    load_sample(sample_db)
    sample_db.dispose()
    env["CAE_DATABASE_URL"] = database_url
    env["CAE_OUTBOX_DIR"] = str(workdir / "outbox")
    env["CAE_LINK_SECRET"] = TEST_LINK_SECRET
    env["CAE_WEB_PORT"] = str(web_port)
    # Conversations in the tests are scripted and fast; the limit itself has unit tests.
    env["CAE_RATE_LIMIT_PER_MINUTE"] = "600"
    # How long Rasa waits for a restarting action server (tests/e2e/conversations/test_supervision_e2e.py).
    env["CAE_ACTIONS_RETRY_SECONDS"] = "40"  # a restart with its warm-up, on a busy machine
    # Every test posts from 127.0.0.1: the address and global limits have unit tests too.
    env["CAE_RATE_LIMIT_PER_ADDRESS_PER_MINUTE"] = "100000"
    env["CAE_RATE_LIMIT_GLOBAL_PER_MINUTE"] = "100000"
    env.pop("CAE_ALLOWED_ORIGINS", None)
    env.pop("CAE_PUBLIC_RASA_URL", None)
    tracker_db = workdir / "tracker.db"
    env["CAE_TRACKER_DB_URL"] = f"sqlite:///{tracker_db}"  # Rasa and the dashboard use it
    env.pop("CAE_ACTIONS_TOKEN", None)  # generated into workdir
    # Endpoints (action server address and token, tracker store) and channels
    # are generated into workdir from env, as `make run` does into var/.
    servers = Servers(
        model=rasa_model,
        token="test-token-" + workdir.name,
        rasa_port=free_port(),
        actions_port=actions_port,
        var_dir=workdir,
        log_dir=workdir / "logs",
        web_port=web_port,
        env=env,
    )
    servers.tracker_db = tracker_db
    servers.database_url = database_url
    servers.outbox = workdir / "outbox"
    servers.start()
    yield servers
    servers.stop()


@pytest.fixture(scope="session")
def servers(started_servers):
    try:
        started_servers.wait_ready()
    except (RuntimeError, TimeoutError) as error:
        logs = "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(started_servers.log_dir.glob("*.log"))
        )
        pytest.fail(f"{error}\n{logs}")
    return started_servers


@pytest.fixture(scope="session")
def event_loop_for_agent():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def agent(rasa_model, started_servers, event_loop_for_agent):
    """The trained model loaded in this process, using the real action server."""
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    endpoints = AvailableEndpoints(action=EndpointConfig(f"{started_servers.actions_url}/webhook",
                                                         token=started_servers.actions_token))
    return event_loop_for_agent.run_until_complete(
        load_agent(model_path=str(rasa_model), endpoints=endpoints)
    )


@pytest.fixture(scope="session")
def run_async(event_loop_for_agent):
    """Run a coroutine on the loop the agent was loaded on."""
    return event_loop_for_agent.run_until_complete


@pytest.fixture(scope="session")
def sqlite_copy(tmp_path_factory):
    """``sqlite_copy(path, name, build)``: a SQLite database at ``path``, copied
    from one that ``build(url)`` made once per test session (migrations and
    sample data cost seconds; a copy, milliseconds). Returns its URL."""
    import shutil

    from bot.storage.db import Database

    templates: dict[str, Path] = {}

    def copy_to(path: Path, name: str, build) -> str:
        if name not in templates:
            template = tmp_path_factory.mktemp("sqlite-templates") / f"{name}.db"
            build(f"sqlite:///{template}")
            Database(f"sqlite:///{template}").dispose()
            templates[name] = template
        shutil.copyfile(templates[name], path)
        return f"sqlite:///{path}"

    return copy_to


def build_sample_db(url: str) -> None:
    """Migrated database with the sample CAEs and their sessions."""
    from bot.booking.sample import load_sample
    from bot.storage.db import Database, upgrade

    upgrade(url)
    db = Database(url)
    from bot.caes.store import load_profiles
    load_profiles(db)
    load_sample(db)
    db.dispose()


@pytest.fixture
def sample_db(tmp_path, monkeypatch, sqlite_copy):
    """A fresh SQLite database with the sample sessions, used through
    ``get_database()`` (as the action server does); outbox in tmp_path/outbox."""
    from bot.storage import db as storage

    url = sqlite_copy(tmp_path / "cae.db", "sample", build_sample_db)
    monkeypatch.setenv("CAE_DATABASE_URL", url)
    monkeypatch.setenv("CAE_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("CAE_LINK_SECRET", "test-secret")
    monkeypatch.setattr(storage, "_default", None)
    database = storage.get_database()
    yield database
    database.dispose()
    monkeypatch.setattr(storage, "_default", None)
