"""The launchers of Rasa and of the action server read their token from the
environment (removed once read) or from a file, never from the command line."""
from __future__ import annotations


def test_the_launchers_read_their_token_from_the_environment_or_a_file(tmp_path):
    from bot.settings import launch_token

    (tmp_path / "token").write_text("from-file\n")
    for name in ("CAE_RASA_TOKEN", "CAE_ACTIONS_TOKEN"):
        env = {name: " from-env ", "PATH": "/bin"}
        assert launch_token(name, env) == "from-env" and env == {"PATH": "/bin"}
        assert launch_token(name, {f"{name}_FILE": str(tmp_path / "token")}) == "from-file"
        assert launch_token(name, {}) == ""
