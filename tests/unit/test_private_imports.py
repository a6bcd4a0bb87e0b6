"""No module uses another module's private names (read from the source with ast).

A name starting with one underscore is the business of its own module: the
booking transitions, for instance, are public functions of bot/booking/service.py
(``lock_session``, ``promote_waitlist``, ``booking_info``…) and nobody reaches for
``service._promote``. Checked for every module of ``bot/`` and ``actions/``:
``from bot.x import _name`` and ``x._name`` on an imported module of ``bot``.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_uses(source: str, module: str, is_package: bool = False) -> list[str]:
    """Each use in ``source`` (the module ``module``) of another ``bot`` module's private name."""
    tree = ast.parse(source)
    found: list[str] = []
    modules: dict[str, str] = {}  # local name -> a bot module (or a name imported from one)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source_module = _absolute(module, node, is_package)
            if source_module.split(".")[0] != "bot":
                continue
            for alias in node.names:
                if _private(alias.name) and source_module != module:
                    found.append(f"line {node.lineno}: from {source_module} import {alias.name}")
                modules[alias.asname or alias.name] = f"{source_module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "bot":
                    modules[alias.asname or alias.name.split(".")[0]] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in modules and _private(node.attr)):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr} ({modules[node.value.id]})")
    return found


def test_the_checker_sees_each_kind_of_private_use():
    source = ("from bot.booking.service import _promote, book\n"
              "from bot.booking import service\n"
              "from . import links as signed\n"
              "def f():\n"
              "    from bot.booking.links import _secret\n"
              "    return service._send, signed._secret, service.book\n")
    found = private_uses(source, "bot.booking.coach")
    assert [use.split(":", 1)[1].strip().split(" (")[0] for use in found] == [
        "from bot.booking.service import _promote", "from bot.booking.links import _secret",
        "service._send", "signed._secret"]
    assert private_uses("from bot.booking.service import _promote\n_promote()\n", "bot.booking.service") == []


def test_no_module_uses_another_modules_private_names():
    problems = []
    files = sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "actions").rglob("*.py")])
    assert len(files) > 50
    for path in files:
        module = _module_name(path)
        for use in private_uses(path.read_text(encoding="utf-8"), module, path.name == "__init__.py"):
            problems.append(f"{path.relative_to(ROOT)} {use}")
    assert problems == []
