"""The import rule, read from the code itself (ast over every .py file).

- The core (``bot/`` except the adapters ``bot/web/``, ``bot/channels/`` and
  ``bot/rasa/``) imports no framework: no aiohttp, Rasa, rasa_sdk or Sanic, and
  nothing from ``bot.web`` or ``bot.rasa``; imports inside functions count.
- ``actions/`` import only the standard library, ``bot`` and ``rasa_sdk``.
- The modules of ``bot/`` import each other without a circle (module-level
  imports; ``if TYPE_CHECKING:`` blocks are not run, so they do not count).
- Every ``CAE_*`` setting is read in ``bot/settings.py`` only, and the
  README's settings table lists exactly the settings declared there.
- Accents are stripped in one place (``bot/text.py``).

Each rule is also run on a small synthetic module that breaks it, so a rule
that stopped seeing anything would fail here.
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path
from typing import Iterator

import pytest

from bot import settings

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS = ("bot.web", "bot.channels", "bot.rasa")
FRAMEWORKS = ("aiohttp", "aiohttp_jinja2", "rasa", "rasa_sdk", "sanic")
CORE_FORBIDDEN = FRAMEWORKS + ("bot.web", "bot.rasa")
ACTIONS_ALLOWED = ("bot", "rasa_sdk", "actions")


# --------------------------------------------------------------------------- reading imports


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py")
                  if "migrations" not in p.parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute name of ``from <.level><module> import ...``."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def statements(source: str, module: str, is_package: bool = False,
               top_level_only: bool = False) -> Iterator[tuple[str, list[str]]]:
    """Each import in ``source`` as (module, names imported from it): ``import a.b``
    gives ("a.b", []), ``from a import b, c`` gives ("a", ["b", "c"]).
    ``top_level_only``: the imports run when the module is imported (not in
    functions, not under ``if TYPE_CHECKING:``)."""
    tree = ast.parse(source)

    def walk(nodes) -> Iterator[ast.AST]:
        for node in nodes:
            if top_level_only:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                    continue
                if isinstance(node, ast.If) and _is_type_checking(node):
                    yield from walk(node.orelse)
                    continue
            yield node
            yield from walk(ast.iter_child_nodes(node))

    for node in walk(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            yield _resolve(node, module, is_package), [a.name for a in node.names if a.name != "*"]


def imports(source: str, module: str, is_package: bool = False) -> Iterator[str]:
    """Every module an import in ``source`` may name, in functions too
    (``from a import b`` gives ``a`` and ``a.b``: ``b`` may be a module)."""
    for base, names in statements(source, module, is_package):
        yield base
        for name in names:
            yield f"{base}.{name}"


def _under(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def framework_violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """What a module imports against the rule, as ``module -> import``."""
    if _under(module, ADAPTERS):
        return []
    found = sorted({name for name in imports(source, module, is_package)})
    if module.startswith("actions"):
        bad = [n for n in found if not _under(n, ACTIONS_ALLOWED)
               and n.split(".")[0] not in sys.stdlib_module_names and n != "__future__"]
    else:
        bad = [n for n in found if _under(n, CORE_FORBIDDEN)]
    # "from bot import web" names bot.web too; keep each offending import once.
    return [f"{module} -> {n}" for n in bad if not any(n.startswith(b + ".") for b in bad)]


# --------------------------------------------------------------------------- the rule on the real code


def test_the_core_imports_no_framework_and_actions_only_bot_and_rasa_sdk():
    problems = []
    for path in python_files("bot", "actions"):
        problems += framework_violations(path.read_text(encoding="utf-8"), module_name(path),
                                         path.name == "__init__.py")
    assert problems == []


def test_the_rule_sees_a_framework_import_even_inside_a_function():
    hidden = "def handler():\n    from aiohttp import web\n    return web\n"
    assert framework_violations(hidden, "bot.privacy.links") == ["bot.privacy.links -> aiohttp"]
    upward = "from ..web import auth\n"  # relative, from bot/privacy/links.py
    assert framework_violations(upward, "bot.privacy.links") == ["bot.privacy.links -> bot.web"]
    assert framework_violations("from bot import rasa\n", "bot.training") == ["bot.training -> bot.rasa"]
    # The same imports are the adapters' business.
    assert framework_violations(hidden, "bot.web.data_export") == []
    assert framework_violations("import rasa.core\n", "bot.rasa.speedups") == []


def test_the_rule_keeps_actions_to_bot_rasa_sdk_and_the_standard_library():
    ok = "import json\nfrom rasa_sdk import Action\nfrom bot.booking import service\nfrom . import core\n"
    assert framework_violations(ok, "actions.booking") == []
    assert framework_violations("import sqlalchemy\n", "actions.booking") == ["actions.booking -> sqlalchemy"]
    assert framework_violations("from rasa.core import agent\n", "actions.faq") == ["actions.faq -> rasa.core"]


# --------------------------------------------------------------------------- no circle


def import_graph(sources: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """Module -> the modules of ``sources`` it needs when it is imported.

    ``from bot.booking import texts`` needs the module ``texts``, not the
    package's ``__init__`` (Python finds a submodule of a package still being
    imported); ``from bot.booking import BookingError`` needs the ``__init__``."""
    graph = {}
    for module, (source, is_package) in sources.items():
        needed = set()
        for base, names in statements(source, module, is_package, top_level_only=True):
            for name in names or [None]:
                target = f"{base}.{name}" if name else base
                while target and target not in sources:
                    target = target.rpartition(".")[0]
                if target:
                    needed.add(target)
        graph[module] = needed - {module}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_modules_of_bot_import_each_other_without_a_circle():
    sources = {module_name(p): (p.read_text(encoding="utf-8"), p.name == "__init__.py")
               for p in python_files("bot")}
    assert circles(import_graph(sources)) == []


def test_a_circle_is_seen_and_one_hidden_in_a_function_or_for_type_checking_is_not():
    looped = {"bot.a": ("from bot import b\n", False), "bot.b": ("from bot.a import X\n", False)}
    assert circles(import_graph(looped)) == [["bot.a", "bot.b"]]
    hidden = {"bot.a": ("from bot import b\n", False),
              "bot.b": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.a import X\n"
                        "def f():\n    from bot.a import X\n", False)}
    assert circles(import_graph(hidden)) == []


# --------------------------------------------------------------------------- settings


def setting_reads(source: str) -> list[str]:
    """``CAE_*`` names read from a mapping (``.get("CAE_X")``, ``getenv``,
    ``env["CAE_X"]``); writing one for a child process is not reading it."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name))
                and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("get", "getenv")
                and node.args and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).startswith("CAE_")):
            found.append(node.args[0].value)
        elif (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
              and isinstance(node.slice, ast.Constant) and str(node.slice.value).startswith("CAE_")):
            found.append(node.slice.value)
    return found


def test_every_setting_is_read_in_bot_settings_only():
    reads = {module_name(p): setting_reads(p.read_text(encoding="utf-8"))
             for p in python_files("bot", "actions") if p != ROOT / "bot" / "settings.py"}
    assert {m: r for m, r in reads.items() if r} == {}


def test_a_setting_read_elsewhere_is_seen_and_a_child_environment_is_not():
    source = ('import os\nx = os.environ.get("CAE_SMTP_HOST")\ny = os.getenv("CAE_WEB_PORT")\n'
              'z = env["CAE_HOST"]\nchild = {"CAE_VAR_DIR": "/tmp"}\nchild["CAE_HOST"] = "0.0.0.0"\n')
    assert setting_reads(source) == ["CAE_SMTP_HOST", "CAE_WEB_PORT", "CAE_HOST"]


def readme_settings_table() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Settings (environment)", 1)[1].split("\n#", 1)[0]
    names = []
    for line in section.splitlines():
        if line.startswith("| `CAE_"):
            names += re.findall(r"`(CAE_[A-Z_]+)`", line.split("|")[1])
    return names


def test_the_readme_table_lists_exactly_the_declared_settings():
    assert sorted(readme_settings_table()) == sorted(settings.SETTINGS)


def test_a_setting_is_read_when_asked_and_an_undeclared_name_is_refused():
    config = settings.Settings({"CAE_WEB_PORT": " 8123 ", "CAE_SMTP_STARTTLS": "0"})
    assert config.web_port == 8123 and config.smtp_starttls is False
    assert settings.Settings({}).web_port == 8000 and settings.Settings({}).smtp_starttls is True
    with pytest.raises(KeyError):
        config.raw("CAE_NOT_A_SETTING")


def test_a_secret_comes_from_its_setting_else_from_one_private_file(tmp_path):
    assert settings.secret("link_secret", {"CAE_LINK_SECRET": "given"}, tmp_path) == "given"
    first = settings.secret("link_secret", {}, tmp_path)
    assert len(first) >= 32 and settings.secret("link_secret", {}, tmp_path) == first
    assert (tmp_path / "link_secret").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["link_secret"]  # no draft left behind
    assert settings.secret("session_key", {}, tmp_path) != first


# --------------------------------------------------------------------------- one text folding


def strips_accents(source: str) -> bool:
    return any(isinstance(node, ast.Attribute) and node.attr == "combining"
               for node in ast.walk(ast.parse(source)))


def test_accents_are_stripped_in_bot_text_only():
    assert strips_accents("import unicodedata\nunicodedata.combining('é')\n")
    found = [module_name(p) for p in python_files("bot", "actions")
             if strips_accents(p.read_text(encoding="utf-8"))]
    assert found == ["bot.text"]

