"""The password policy (app/domain/passwords.py)."""

import pytest

from app.domain.passwords import common_passwords, password_problem


@pytest.mark.parametrize("password", [
    "password", "PassWord", "12345678", "qwertyui", "iloveyou", "Password1", "password123",
    "1q2w3e4r", "trustno1", "sunshine", " letmein1 ",
])
def test_common_passwords_are_refused_in_any_letter_case(password: str) -> None:
    assert password_problem(password) == "That password is too common and easy to guess; choose another."


@pytest.mark.parametrize(("password", "why"), [
    (" " * 8, "Password must not be only spaces."),
    ("\t \n    \r ", "Password must not be only spaces."),
    ("short", "Password must be 8 to 128 characters long."),
    ("x" * 129, "Password must be 8 to 128 characters long."),
    ("correct-\x00-horse", "Password must not contain NUL characters."),
])
def test_blank_short_long_and_nul_passwords_are_refused(password: str, why: str) -> None:
    assert password_problem(password) == why


@pytest.mark.parametrize("password", ["correct-horse-battery", "x" * 128, "Tr0ub4dour&3 staple", "   pad me   "])
def test_other_passwords_are_accepted(password: str) -> None:
    assert password_problem(password) is None


def test_the_shipped_list_is_lower_case_and_long_enough_to_matter() -> None:
    words = common_passwords()
    assert len(words) >= 1000
    assert all(word == word.lower() and len(word) >= 8 for word in words)
