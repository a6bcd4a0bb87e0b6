"""Loading and checking the modules in curriculum/*.yml (JSON Schema + sources)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import jsonschema
import yaml

from bot import settings

CURRICULUM_DIR = settings.ROOT / "curriculum"
SCHEMA_FILE = CURRICULUM_DIR / "schema.json"
# The order in which modules are offered.
MODULE_ORDER = ("cape_workshops", "ante_creation", "post_creation")


class ModuleError(ValueError):
    """A module file that does not follow the schema or whose ids clash."""


@dataclass(frozen=True)
class Question:
    question: str
    choices: tuple[str, ...]
    answer: int
    right: str
    wrong: str


@dataclass(frozen=True)
class Objective:
    id: str
    module_id: str
    title: str
    source: str
    explanation: str
    exercise: str
    estimated_minutes: int
    self_check: tuple[Question, ...]
    calculator: Optional[str] = None


@dataclass(frozen=True)
class Module:
    id: str
    title: str
    source_file: str
    source_passage: str
    objectives: tuple[Objective, ...]


def _schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def parse_module(data: dict, name: str = "module") -> Module:
    try:
        jsonschema.validate(data, _schema())
    except jsonschema.ValidationError as error:
        where = "/".join(str(p) for p in error.absolute_path) or "(racine)"
        raise ModuleError(f"{name}: {where}: {error.message}") from None
    objectives = []
    for raw in data["objectives"]:
        questions = tuple(Question(q["question"], tuple(q["choices"]), q["answer"], q["right"], q["wrong"])
                          for q in raw["self_check"])
        for q in questions:
            if q.answer >= len(q.choices):
                raise ModuleError(f"{name}: {raw['id']}: answer {q.answer} is not one of the choices")
        objectives.append(Objective(raw["id"], data["id"], raw["title"], raw["source"], raw["explanation"],
                                    raw["exercise"], raw["estimated_minutes"], questions, raw.get("calculator")))
    ids = [o.id for o in objectives]
    if len(set(ids)) != len(ids):
        raise ModuleError(f"{name}: duplicate objective ids")
    return Module(data["id"], data["title"], data["source"]["file"], data["source"]["passage"], tuple(objectives))


def load_dir(directory: Path = CURRICULUM_DIR) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for path in sorted(directory.glob("*.yml")):
        loaded = parse_module(yaml.safe_load(path.read_text(encoding="utf-8")) or {}, path.name)
        if loaded.id in modules:
            raise ModuleError(f"{path.name}: module id {loaded.id} already used")
        modules[loaded.id] = loaded
    all_ids = [o.id for m in modules.values() for o in m.objectives]
    if len(set(all_ids)) != len(all_ids):
        raise ModuleError("objective ids must be unique across modules")
    order = {m: i for i, m in enumerate(MODULE_ORDER)}
    return dict(sorted(modules.items(), key=lambda item: order.get(item[0], 99)))


@lru_cache(maxsize=1)
def load_modules() -> dict[str, Module]:
    return load_dir()


def module(module_id: str) -> Module:
    try:
        return load_modules()[module_id]
    except KeyError:
        raise KeyError(f"unknown module {module_id!r}") from None


def objective(objective_id: str) -> Objective:
    for mod in load_modules().values():
        for obj in mod.objectives:
            if obj.id == objective_id:
                return obj
    raise KeyError(f"unknown objective {objective_id!r}")
