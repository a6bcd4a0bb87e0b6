"""The training path in the chat: progress and objectives (``progress.py``),
linking the conversation to the person's record (``linking.py``), the
calculators (``calculators.py``). Thin adapters over bot.curriculum: the
helpers live in bot/curriculum/dialogue.py, the sentences in domain/curriculum.yml."""
