"""What every list page does the same way: sort by a column, go to a page, come back to it.

- Sorting: `?sort=name` (ascending) or `?sort=-name` (descending); a page names its sortable
  columns and the fields each sorts by (`SortColumns`); anything else is ignored, never passed to
  `order_by`, and the primary key breaks ties so that pages do not shuffle.
- Pages: `page_of` turns whatever was typed into the nearest page that exists.
- Coming back: `safe_next` keeps a `next` address only if it is on this site.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.utils.http import url_has_allowed_host_and_scheme


@dataclass(frozen=True)
class Sort:
    """The column a list is sorted by (one of the page's names) and the direction."""

    column: str
    descending: bool = False

    @property
    def param(self) -> str:
        return f"-{self.column}" if self.descending else self.column


class SortColumns:
    """A page's sortable columns: name -> the model fields it sorts by, ascending."""

    def __init__(self, columns: dict[str, tuple[str, ...]], *, default: str) -> None:
        if default.lstrip("-") not in columns:
            raise ValueError(f"unknown default column {default!r}")
        self.columns = columns
        self.default = default

    def parse(self, value: str | None) -> Sort:
        """The sort asked for in `value` (the `sort` parameter), or the page's default."""
        value = (value or "").strip()
        name = value.removeprefix("-")
        if name not in self.columns:
            value = self.default
            name = value.removeprefix("-")
        return Sort(column=name, descending=value.startswith("-"))

    def order_by(self, sort: Sort) -> list[str]:
        """The `order_by` arguments of `sort`, with the primary key last as the tie-break."""
        fields = [f"-{f}" if sort.descending else f for f in self.columns[sort.column]]
        return [*fields, "-pk" if sort.descending else "pk"]


def page_of(paginator: Paginator, value: str | None) -> Page:
    """The page typed in `value`: past the last page the last, below 1 the first, and
    anything that is not a whole number the first; never an error."""
    text = (value or "").strip()
    try:
        number = int(text) if text.lstrip("-").isdigit() and len(text) <= 12 else 1
    except ValueError:
        number = 1
    number = min(max(number, 1), paginator.num_pages)
    return paginator.page(number)


def safe_next(request, value: str | None) -> str | None:
    """`value` if it is an address on this site (a `next` parameter), else None."""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None
