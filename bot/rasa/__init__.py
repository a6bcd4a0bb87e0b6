"""What plugs into Rasa and its action server (adapters, like bot/web/ and bot/channels/).

- ``nlu_components.py``: our NLU components, named in config.yml (the logic is
  in bot/linear_intents.py and bot/vocabulary.py);
- ``speedups.py``: Rasa's action-response check made cheap, its action calls
  retried while the action server restarts;
- ``server.py`` and ``action_server.py``: the launchers that keep the tokens
  off the command line;
- ``evaluation.py`` and ``model_report.py``: a trained model loaded in Rasa's
  agent for the held-out benchmarks and the dashboard's model comparison.

Only the modules here (and bot/web/, bot/channels/) import Rasa, rasa_sdk or
aiohttp; the rest of bot/ is plain Python (tests/unit/test_architecture.py).
"""
