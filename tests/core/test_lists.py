"""Sorting, going to a page and coming back, the same on every list page (core.lists)."""

import pytest
from django.core.paginator import Paginator
from django.test import RequestFactory

from core.lists import SortColumns, page_of, safe_next

COLUMNS = SortColumns({"name": ("name_sort_key",), "birth": ("date_of_birth",)}, default="name")


@pytest.mark.parametrize(
    ("value", "column", "descending", "order"),
    [
        ("name", "name", False, ["name_sort_key", "pk"]),
        ("-name", "name", True, ["-name_sort_key", "-pk"]),
        ("-birth", "birth", True, ["-date_of_birth", "-pk"]),
        ("", "name", False, ["name_sort_key", "pk"]),
        (None, "name", False, ["name_sort_key", "pk"]),
        # Anything not on the list is ignored, never handed to order_by.
        ("password", "name", False, ["name_sort_key", "pk"]),
        ("-commune__parent__name", "name", False, ["name_sort_key", "pk"]),
        ("--name", "name", False, ["name_sort_key", "pk"]),
        ("?", "name", False, ["name_sort_key", "pk"]),
    ],
)
def test_sort_columns_are_a_whitelist_with_a_pk_tie_break(value, column, descending, order):
    sort = COLUMNS.parse(value)
    assert (sort.column, sort.descending) == (column, descending)
    assert COLUMNS.order_by(sort) == order


def test_a_default_outside_the_columns_is_a_programming_error():
    with pytest.raises(ValueError):
        SortColumns({"name": ("name",)}, default="age")


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("3", 3),
        ("1", 1),
        ("7", 7),
        ("8", 7),  # past the last page: the last
        ("99999999999999999999", 1),  # too long to be a page: the first
        ("0", 1),
        ("-4", 1),
        ("abc", 1),
        ("2.5", 1),
        ("²", 1),
        ("", 1),
        (None, 1),
        (" 4 ", 4),
    ],
)
def test_page_of_goes_to_the_nearest_page_that_exists(typed, number):
    paginator = Paginator(list(range(70)), 10)
    assert page_of(paginator, typed).number == number


def test_page_of_an_empty_list_is_its_one_empty_page():
    assert list(page_of(Paginator([], 10), "5")) == []


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("/thay-doi/?show=all&sort=-name&page=2", True),
        ("https://evil.example/phish", False),
        ("//evil.example/", False),
        ("javascript:alert(1)", False),
        ("", False),
        (None, False),
    ],
)
def test_safe_next_keeps_only_this_sites_addresses(value, kept):
    request = RequestFactory().get("/")
    assert safe_next(request, value) == (value if kept else None)
