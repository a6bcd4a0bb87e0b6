"""A small copy of the project's training data (four intents of nlu/core), so
that the dashboard's learning loop can train real models in seconds."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from bot import settings
from bot.domain import load as load_domain

INTENTS = ("greet", "goodbye", "thank", "help")


def make_small_project(base: Path) -> dict[str, str]:
    """Writes base/config.yml, base/domain/core.yml, base/nlu/; returns the
    environment that points the training (and the dashboard) at them."""
    base.mkdir(parents=True, exist_ok=True)
    shutil.copy(settings.CONFIG_FILE, base / "config.yml")
    domain = load_domain()
    small_domain = {
        "version": "3.1",
        "intents": list(INTENTS),
        "responses": {f"utter_{i}": domain["responses"][f"utter_{i}"] for i in INTENTS},
        "session_config": domain.get("session_config") or {},
    }
    (base / "domain").mkdir(parents=True, exist_ok=True)
    (base / "domain" / "core.yml").write_text(yaml.safe_dump(small_domain, allow_unicode=True, sort_keys=False),
                                     encoding="utf-8")
    core = yaml.safe_load((settings.DATA_DIR / "core" / "nlu.yml").read_text(encoding="utf-8"))
    nlu = [item for item in core["nlu"] if item.get("intent") in INTENTS]
    rules = [{"rule": intent, "steps": [{"intent": intent}, {"action": f"utter_{intent}"}]} for intent in INTENTS]
    (base / "nlu" / "core").mkdir(parents=True, exist_ok=True)
    (base / "nlu" / "core" / "nlu.yml").write_text(
        yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (base / "nlu" / "core" / "rules.yml").write_text(
        yaml.safe_dump({"version": "3.1", "rules": rules}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return {"CAE_CONFIG_FILE": str(base / "config.yml"), "CAE_DOMAIN_DIR": str(base / "domain"),
            "CAE_DATA_DIR": str(base / "nlu"), "CAE_MODELS_DIR": str(base / "models"),
            "CAE_CANDIDATES_DIR": str(base / "candidates")}
