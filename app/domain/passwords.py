"""The password policy: 8 to 128 characters, not all whitespace, no NUL, and not one of the common
passwords in common_passwords.txt (compared case-insensitively: "PassWord1" is "password1")."""

from functools import cache
from importlib.resources import files

PASSWORD_MIN = 8
PASSWORD_MAX = 128


@cache
def common_passwords() -> frozenset[str]:
    text = files("app.domain").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """Why this password may not be used, as a sentence; None when it may."""
    if "\x00" in password:
        return "Password must not contain NUL characters."
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return f"Password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long."
    if not password.strip():
        return "Password must not be only spaces."
    if password.strip().lower() in common_passwords():
        return "That password is too common and easy to guess; choose another."
    return None
