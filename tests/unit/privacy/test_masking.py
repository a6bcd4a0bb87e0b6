"""Phone numbers and e-mail addresses masked in text we keep (logs, examples)."""
import pytest

from bot.redact import PHONE_MASK, mask_personal


@pytest.mark.parametrize("text", [
    "appelez-moi au 06 12 34 56 78 svp",
    "mon numéro : +44 20 7946 0958",
    # Not a valid number (no such French range), still somebody's typing: masked.
    "c'est le 04 00 00 00 01 je crois", "+999 1234 5678",
    "+33 6 00 00 00 0",
])
def test_phone_numbers_are_masked_valid_or_not(text):
    assert PHONE_MASK in mask_personal(text)


@pytest.mark.parametrize("text", [
    "un chiffre d'affaires de 12 000 € en 2019",
    "entre 2015 et 2020, 8 000 entrepreneurs",
    "SIRET ? je sais pas",
])
def test_amounts_and_years_are_not_taken_for_phone_numbers(text):
    assert mask_personal(text) == text
