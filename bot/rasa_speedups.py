"""One measured fix to Rasa 3.6's turn cost, applied in every Rasa process.

Rasa checks each action server response with ``jsonschema.validate``, which
first re-checks the (large, constant) events schema itself against the JSON
Schema meta-schema: about 50 ms of CPU per custom action call, nearly half of
a turn with actions (``python -m bench.profile_turn``). ``apply()`` makes
``RemoteAction`` validate with a validator built once: the same schema, the
same errors and message, without re-checking the schema every time.

``bot/nlu_components.py`` applies it: every Rasa process that loads our model
imports that module.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict


@lru_cache(maxsize=None)
def _validator(action_class: type) -> Any:
    from jsonschema.validators import validator_for

    schema = action_class.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self, result: Dict[str, Any]) -> bool:
    from jsonschema import exceptions

    from rasa.shared.constants import DOCS_BASE_URL

    error = exceptions.best_match(_validator(type(self)).iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def apply() -> None:
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result
