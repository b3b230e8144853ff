"""Text helpers shared by the apps."""

import unicodedata
from functools import lru_cache


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


# Vietnamese alphabetical order (TCVN 5712; dictionaries and officers' lists): each letter with a
# breve, circumflex or horn is a letter of its own after its base, đ comes after d, and the
# Latin letters the alphabet lacks (f, j, w, z) keep their Latin place for foreign names.
VIETNAMESE_ALPHABET = (
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n",
    "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
)  # fmt: skip
_LETTER_RANK = {letter: rank for rank, letter in enumerate(VIETNAMESE_ALPHABET, start=10)}
# Combining marks that make a letter of its own (ă â ê ô ơ ư) rather than a tone.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
# The tones, as dictionaries order them: ngang (none), huyền, hỏi, ngã, sắc, nặng.
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


# Pure and called for every word of every name a list sorts (a province's generation sorts tens
# of thousands of names made of a few thousand distinct words): memoised, bounded.
@lru_cache(maxsize=16384)
def _collation_word(word: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """(letters, tones, case) of one word; digits before letters, other characters after."""
    letters: list[int] = []
    tones: list[int] = []
    cases: list[int] = []
    for char in unicodedata.normalize("NFC", word):
        base, *marks = unicodedata.normalize("NFD", char)
        # đ has no decomposition: it stays one letter of its own.
        lower = unicodedata.normalize(
            "NFC", base.lower() + "".join(m for m in marks if m in _LETTER_MARKS)
        )
        if lower in _LETTER_RANK:
            letters.append(_LETTER_RANK[lower])
        elif lower.isdigit():
            letters.append(int(lower) if lower.isascii() else 9)
        else:
            letters.append(1000 + ord(lower))
        tones.append(max((_TONE_RANK.get(m, 0) for m in marks), default=0))
        cases.append(0 if char == char.lower() else 1)
    return tuple(letters), tuple(tones), tuple(cases)


def vietnamese_sort_key(words: list[str] | tuple[str, ...]) -> tuple:
    """A key that sorts sequences of words in Vietnamese alphabetical order.

    Letters first (a < ă < â < b < ... < d < đ < ... < o < ô < ơ < ... < u < ư < ...), word by
    word, so "An" comes before "Anh" and "Anh" before "Ánh" only by tone; then the tones
    (none < huyền < hỏi < ngã < sắc < nặng) as a second level; then lower case before upper.
    """
    return _words_key(tuple(words))


# Given names and family-and-middle names repeat across a list far more than whole names do.
@lru_cache(maxsize=16384)
def _words_key(words: tuple[str, ...]) -> tuple:
    parts = [_collation_word(word) for word in words]
    return (
        tuple(p[0] for p in parts),
        tuple(p[1] for p in parts),
        tuple(p[2] for p in parts),
    )


def name_sort_key(full_name: str) -> tuple:
    """The order of names on an officer's list: by given name (tên, the last word), then by
    the family and middle names as written, each in Vietnamese alphabetical order
    (`vietnamese_sort_key`: letters, then tones). Everyone called "Anh" comes before everyone
    called "Ánh", and among them "Lê Thị Anh" before "Nguyễn Văn Anh".

    "Đặng Văn An" < "Nguyễn Thị Ánh" < "Lê Văn Dũng" < "Trần Đức".
    """
    words = full_name.split()
    given, rest = vietnamese_sort_key(words[-1:]), vietnamese_sort_key(words[:-1])
    # Letter case only decides between names otherwise the same.
    return (given[:2], rest[:2], given[2], rest[2])


# --- The same order as a stored string -----------------------------------------------------------
# A database sorts a column, not a Python key: `name_collation_key` writes `name_sort_key` as ASCII
# digits, so that comparing two keys character by character (SQLite's BINARY, and any PostgreSQL
# collation: digits have no secondary weights) gives the order of `name_sort_key`. Each letter is
# a two-digit code (digits 01-10, the alphabet 11-43), any other character "99" and its code point
# in five digits; "00" ends a word and "00" after a word's end ends the words (every code is above
# it, so a shorter name sorts first). Tones and case are one digit a character: by the time they
# are compared, both names have the same letters, so they line up.

_WORD_END = "00"


def _letters_code(words: list[tuple[int, ...]]) -> str:
    out = []
    for letters in words:
        for code in letters:
            if code < 1000:  # a digit (0-9) or a letter of the alphabet (ranks 10-42)
                out.append(f"{code + 1:02d}")
            else:
                out.append(f"99{min(code - 1000, 99999):05d}")
        out.append(_WORD_END)
    out.append(_WORD_END)
    return "".join(out)


def _level_code(words: list[tuple[int, ...]]) -> str:
    return "".join(str(value) for letters in words for value in letters)


NAME_COLLATION_KEY_LENGTH = 600


def name_collation_key(full_name: str) -> str:
    """`name_sort_key` as a string of digits a database can sort and index (the column
    `Beneficiary.name_sort_key`): by given name, then the family and middle names, letters
    first (a ă â b ... d đ ... u ư ...), tones second, case last. Cut to
    NAME_COLLATION_KEY_LENGTH characters (names that long are then in the order of their first
    letters)."""
    words = full_name.split()
    given = [_collation_word(word) for word in words[-1:]]
    rest = [_collation_word(word) for word in words[:-1]]
    key = (
        _letters_code([w[0] for w in given])
        + _level_code([w[1] for w in given])
        + _letters_code([w[0] for w in rest])
        + _level_code([w[1] for w in rest])
        + _level_code([w[2] for w in given])
        + _level_code([w[2] for w in rest])
    )
    return key[:NAME_COLLATION_KEY_LENGTH]
