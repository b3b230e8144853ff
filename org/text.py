"""Text helpers shared by the apps."""

import unicodedata


def search_key(text: str) -> str:
    """Lower-case, diacritics-free, single-spaced: "Nguyễn Văn  Ấn" -> "nguyen van an".

    Both stored names and typed queries go through this, so a search matches with or
    without Vietnamese diacritics.
    """
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())


def format_vnd(amount: int | None) -> str:
    """1250000 -> "1.250.000 ₫" (integer đồng, dots group thousands)."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(int(amount)):,}".replace(",", ".") + " ₫"


def format_number(value: int | None) -> str:
    """60738 -> "60.738"."""
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(int(value)):,}".replace(",", ".")
