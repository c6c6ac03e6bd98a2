"""统一社会信用代码 (GB 32100-2015): 18 characters, the last one a check character."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_char(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    code = code.strip().upper()
    return len(code) == 18 and all(c in ALPHABET for c in code) and check_char(code[:17]) == code[17]


def with_check(first17: str) -> str:
    return first17 + check_char(first17)
