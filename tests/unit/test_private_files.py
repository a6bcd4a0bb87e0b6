"""Private files and folders: our own folders are closed (0700), a shared one
(like /tmp, sticky and writable by all) is never closed by putting a file in it."""
from __future__ import annotations

import stat

from bot.storage.files import private_dir, private_file


def test_a_folder_we_make_or_own_is_closed_to_others(tmp_path):
    made = private_dir(tmp_path / "var" / "data")
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    opened = tmp_path / "opened"
    opened.mkdir(mode=0o755)
    opened.chmod(0o755)
    private_dir(opened)
    assert stat.S_IMODE(opened.stat().st_mode) == 0o700


def test_a_file_put_straight_into_a_shared_folder_leaves_the_folder_open(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    made = private_file(shared / "cae.db")
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
