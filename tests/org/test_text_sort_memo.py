"""The Vietnamese sort key is memoised per word and per run of words (given name; family and
middle names): a province's generation sorts tens of thousands of names made of a few thousand
distinct words (issue 19). The memo changes no order."""

from org.text import _collation_word, _words_key, name_sort_key

NAMES = ["Nguyễn Văn An", "Nguyễn Thị Ánh", "Lê Văn An", "Trần Văn Đức", "Nguyễn Văn Ân"]


def test_each_word_and_name_part_is_computed_once():
    _collation_word.cache_clear()
    _words_key.cache_clear()
    keys = [name_sort_key(name) for name in NAMES * 3]
    distinct_words = {word for name in NAMES for word in name.split()}
    parts = {tuple(n.split()[-1:]) for n in NAMES} | {tuple(n.split()[:-1]) for n in NAMES}
    assert _collation_word.cache_info().misses == len(distinct_words)
    assert _words_key.cache_info().misses == len(parts)
    assert _words_key.cache_info().hits == 2 * len(NAMES) * 3 - len(parts)
    assert keys[: len(NAMES)] == keys[len(NAMES) : 2 * len(NAMES)]


def test_the_memo_keeps_the_order():
    ordered = sorted(NAMES, key=name_sort_key)
    _collation_word.cache_clear()
    _words_key.cache_clear()
    assert sorted(reversed(NAMES), key=name_sort_key) == ordered
    assert ordered == [
        "Lê Văn An",
        "Nguyễn Văn An",
        "Nguyễn Thị Ánh",  # letters first: a-n-h before â-n
        "Nguyễn Văn Ân",
        "Trần Văn Đức",
    ]
