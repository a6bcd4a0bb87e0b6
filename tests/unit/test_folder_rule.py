"""The folder is the rule: a test in tests/unit that asks for a server, a
model, PostgreSQL, Redis or a browser, or is marked as such, fails and says to
move it; the same test in tests/e2e runs (a synthetic project, run in-process)."""
from __future__ import annotations

PLAIN = "def test_plain():\n    assert True\n"
NEEDS_SERVERS = "def test_needs_servers(servers):\n    assert servers == 'up'\n"
NEEDS_PG = "def test_needs_postgres(database):\n    assert database\n"
SLOW = "import pytest\n\n@pytest.mark.slow\ndef test_slow():\n    assert True\n"


def test_unit_tests_asking_for_e2e_fixtures_or_markers_fail(pytester, monkeypatch):
    """Also through another fixture (``database`` asks for ``pg_url``)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # no plugin to re-import: ~0.1 s, not 4
    pytester.makeini("[pytest]\nmarkers =\n    slow: slow\n")
    pytester.makeconftest(
        "import pytest\n"
        "from tests.conftest import pytest_runtest_setup  # noqa: F401  (the rule under test)\n\n"
        "@pytest.fixture\ndef servers():\n    return 'up'\n\n"
        "@pytest.fixture\ndef pg_url():\n    return 'postgresql://'\n\n"
        "@pytest.fixture\ndef database(pg_url):\n    return pg_url\n")
    for folder in ("unit", "e2e"):
        (pytester.path / "tests" / folder).mkdir(parents=True)
        for name, source in (("plain", PLAIN), ("servers", NEEDS_SERVERS), ("pg", NEEDS_PG), ("slow", SLOW)):
            (pytester.path / "tests" / folder / f"test_{folder}_{name}.py").write_text(source)
    result = pytester.runpytest("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=5, errors=3)  # failed at set-up, before any fixture runs
    failed = sorted(line.split(" ")[1].split("::")[0] for line in result.outlines if line.startswith("ERROR "))
    assert failed == ["tests/unit/test_unit_pg.py", "tests/unit/test_unit_servers.py", "tests/unit/test_unit_slow.py"]
    result.stdout.fnmatch_lines([
        "*test_unit_pg.py::test_needs_postgres uses fixture pg_url: tests/unit is for tests without*move it to tests/e2e/",
        "*test_unit_servers.py::test_needs_servers uses fixture servers:*",
        "*test_unit_slow.py::test_slow uses marker slow:*",
    ])
