"""Training follow-up: the modules of curriculum/ (data), the progress of each
person (``service``), the two calculators (``calculators``).

Plain Python, no Rasa import; the chat actions and the coach API call it.
"""
from bot.curriculum.modules import Module, Objective, Question, load_modules, module, objective

__all__ = ["Module", "Objective", "Question", "load_modules", "module", "objective"]
