"""The lines page's search: filters from the address, the sortable columns, the choices of the
commune and provider filters. Everything is read in the database, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from beneficiaries.models import Category
from core.lists import Sort, SortColumns
from core.reference_text import translated
from core.web import id_param
from org.text import search_key
from payments.models import LineStatus, PaymentLine, PaymentList
from payments.selectors import lines_for

# By default the list's own order (line numbers: commune, then given name in Vietnamese order, as
# generation numbered them); "name" sorts the whole list by given name across communes.
LINE_SORTS = SortColumns(
    {
        "no": ("line_no",),
        "name": ("beneficiary__name_sort_key",),
        "commune": ("commune__code", "line_no"),
        "total": ("amount_total",),
        "provider": ("provider__name",),
        "status": ("status",),
    },
    default="no",
)


@dataclass(frozen=True)
class LineFilters:
    q: str = ""
    commune_id: int | None = None
    status: str = ""
    provider: str = ""  # a provider's code

    @classmethod
    def from_query(cls, params) -> LineFilters:
        """The filters in a request's GET parameters; a value that is not one is ignored."""
        status = params.get("status", "")
        return cls(
            q=params.get("q", "").strip()[:120],
            commune_id=id_param(params.get("commune")),
            status=status if status in LineStatus.values else "",
            provider=params.get("provider", "").strip()[:32],
        )


def lines_search(
    *, user, payment_list: PaymentList, filters: LineFilters, sort: Sort | None = None
) -> QuerySet[PaymentLine]:
    """The lines of `payment_list` the user may see (a commune officer: their commune's), by
    commune, result, provider and name or ID number, sorted by `sort` (one of LINE_SORTS)."""
    lines = lines_for(user=user, payment_list=payment_list)
    if filters.commune_id is not None:
        lines = lines.filter(commune_id=filters.commune_id)
    if filters.status:
        lines = lines.filter(status=filters.status)
    if filters.provider:
        lines = lines.filter(provider__code=filters.provider)
    if filters.q:
        key = search_key(filters.q)
        if key.replace(" ", "").isdigit():
            lines = lines.filter(beneficiary_id_number__startswith=key.replace(" ", ""))
        else:
            lines = lines.filter(beneficiary__search_name__contains=key)
    return lines.order_by(*LINE_SORTS.order_by(sort or LINE_SORTS.parse("")))


def line_filter_choices(*, user, payment_list: PaymentList) -> dict[str, list[tuple]]:
    """The communes and providers of the lines the user may see, for the filters: two grouped
    queries on the list's lines."""
    lines = lines_for(user=user, payment_list=payment_list).order_by()
    communes = sorted(
        set(lines.values_list("commune_id", "commune__name", "commune__code")),
        key=lambda c: c[2],
    )
    providers = sorted(
        (code, translated(name))
        for code, name in set(lines.values_list("provider__code", "provider__name"))
    )
    return {
        "communes": [(pk, name) for pk, name, _code in communes],
        "providers": providers,
    }


def category_names() -> dict[str, str]:
    """Each category's name by its code, to show names where lines keep codes."""
    return {code: translated(name) for code, name in Category.objects.values_list("code", "name")}
