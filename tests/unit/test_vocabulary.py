from bot.vocabulary import Vocabulary, words

VOCAB = Vocabulary.from_texts(["Bonjour !", "Qu'est-ce qu'une coopérative ?", "je suis au chômage"])


def test_words_are_lowercased_without_accents_digits_or_emoji():
    assert words("Coopérative 2024 😀 l'ÉTÉ") == ["cooperative", "l", "ete"]


def test_known_words_typos_and_missing_accents_are_understood():
    assert VOCAB.understands_any("BONJOUR")
    assert VOCAB.understands_any("chomage ?")
    assert VOCAB.understands_any("cooperatve")  # typo
    assert VOCAB.understands_any("xyz bonjour xyz")


def test_gibberish_emoji_and_empty_messages_are_not_understood():
    for text in ["azerty qsdfgh wxcvbn", "😀👍🎉", "", "   ", "12345 !!!", "xq", "l j d"]:
        assert not VOCAB.understands_any(text), text
