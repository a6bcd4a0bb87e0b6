"""Rasa's endpoints file is generated from the settings, so every CAE_* setting
reaches Rasa, and a second instance shares nothing with the first."""
from __future__ import annotations

import stat
from pathlib import Path

import yaml

from bot import settings
from bot.endpoints import endpoints, write_default
from bot.servers import Servers, free_port


def test_default_tracker_and_action_server_follow_the_var_dir_and_port(tmp_path):
    path = write_default(env={"CAE_ACTIONS_PORT": "6123"}, var_dir=tmp_path)
    assert path == tmp_path / "endpoints.yml"
    config = yaml.safe_load(path.read_text())
    assert config["action_endpoint"]["url"] == "http://127.0.0.1:6123/webhook"
    assert config["action_endpoint"]["token"] == (tmp_path / "actions_token").read_text().strip()
    assert config["tracker_store"] == {"type": "SQL", "dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
    assert "lock_store" not in config
    # Owner-only: the file and the generated token are secrets.
    for secret in (path, tmp_path / "actions_token"):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_configured_tracker_token_and_lock_store_reach_rasa(tmp_path):
    env = {"CAE_TRACKER_DB_URL": "postgresql://cae:pw@db.internal:5433/rasa_tracker",
           "CAE_ACTIONS_TOKEN": "given-token", "CAE_LOCK_REDIS_URL": "redis://:secret@cache:6380/1"}
    config = yaml.safe_load(write_default(env=env, var_dir=tmp_path).read_text())
    assert config["action_endpoint"]["token"] == "given-token"
    assert not (tmp_path / "actions_token").exists()
    assert config["tracker_store"] == {"type": "SQL", "dialect": "postgresql", "url": "db.internal",
                                       "db": "rasa_tracker", "username": "cae", "password": "pw",
                                       "port": 5433}
    assert config["lock_store"] == {"type": "redis", "url": "cache", "port": 6380, "db": 1,
                                    "key_prefix": "cae", "password": "secret"}


def test_rasa_reads_the_generated_file_as_we_mean_it(tmp_path):
    from rasa.core.utils import read_endpoints_from_path

    path = write_default(env={"CAE_ACTIONS_TOKEN": "t0k"}, var_dir=tmp_path, actions_port=6001)
    available = read_endpoints_from_path(str(path))
    assert available.action.url == "http://127.0.0.1:6001/webhook"
    assert available.action.combine_parameters() == {"token": "t0k"}  # sent as ?token=t0k
    assert available.tracker_store.type == "SQL"
    assert available.tracker_store.kwargs["db"] == str(tmp_path / "tracker.db")


def test_the_dashboard_reads_the_tracker_rasa_writes(tmp_path, monkeypatch):
    from bot.transcripts import tracker_db_url

    monkeypatch.delenv("CAE_TRACKER_DB_URL", raising=False)
    assert tracker_db_url() == f"sqlite:///{settings.VAR_DIR / 'tracker.db'}"
    monkeypatch.setenv("CAE_TRACKER_DB_URL", "sqlite:////elsewhere/t.db")
    assert tracker_db_url() == "sqlite:////elsewhere/t.db"


def instance(var_dir: Path) -> Servers:
    servers = Servers(model=Path("model.tar.gz"), token=f"rasa-{var_dir.name}", rasa_port=free_port(),
                      actions_port=free_port(), web_port=free_port(), var_dir=var_dir,
                      env={"PATH": "/usr/bin"})
    servers.write_credentials()
    servers.write_endpoints()
    return servers


def test_a_second_instance_shares_nothing_with_the_first(tmp_path):
    first, second = instance(tmp_path / "one"), instance(tmp_path / "two")
    configs = [yaml.safe_load(s.endpoints.read_text()) for s in (first, second)]
    for servers, config in zip((first, second), configs):
        assert servers.endpoints.parent == servers.var_dir
        assert servers.credentials.parent == servers.var_dir
        assert config["action_endpoint"]["url"] == f"http://127.0.0.1:{servers.actions_port}/webhook"
        assert config["tracker_store"]["db"] == str(servers.var_dir / "tracker.db")
        assert config["action_endpoint"]["token"] == servers.actions_token
        command = servers.commands()
        assert str(servers.endpoints) in command["rasa"] and str(servers.credentials) in command["rasa"]
        assert str(servers.actions_port) in command["actions"]
        envs = servers.environment()
        assert envs["web"]["CAE_TRACKER_DB_URL"] == f"sqlite:///{servers.var_dir / 'tracker.db'}"
    assert configs[0]["action_endpoint"]["token"] != configs[1]["action_endpoint"]["token"]
    assert configs[0]["tracker_store"]["db"] != configs[1]["tracker_store"]["db"]


def test_no_token_on_any_command_line_and_each_server_gets_only_its_own(tmp_path):
    servers = instance(tmp_path)
    secrets = (servers.token, servers.actions_token)
    for command in servers.commands().values():
        assert not any(secret in arg for arg in command for secret in secrets)
        assert "--auth-token" not in command
    envs = servers.environment()
    assert envs["rasa"]["CAE_RASA_TOKEN"] == servers.token and "CAE_ACTIONS_TOKEN" not in envs["rasa"]
    assert envs["actions"]["CAE_ACTIONS_TOKEN"] == servers.actions_token
    assert "CAE_RASA_TOKEN" not in envs["actions"]
    assert "CAE_RASA_TOKEN" not in envs["web"] and "CAE_ACTIONS_TOKEN" not in envs["web"]
    # The web app calls Rasa's API (PUT /model, from the dashboard) under its own names.
    assert envs["web"]["CAE_RASA_API_TOKEN"] == servers.token
    assert envs["web"]["CAE_RASA_API_URLS"] == servers.rasa_url
    assert "CAE_RASA_API_TOKEN" not in envs["actions"] and "CAE_RASA_API_TOKEN" not in envs["rasa"]


def test_endpoints_without_a_lock_store_for_one_server():
    assert set(endpoints("http://a:1", "t", "sqlite:////x.db")) == {"action_endpoint", "tracker_store"}
