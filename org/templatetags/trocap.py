"""Template filters for money, counts, months and percentages, the Vietnamese way, and for
the personal numbers each role may see."""

import datetime

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from org.notices import background_notices as notices_now
from org.privacy import identifiers_for
from org.text import format_number, format_vnd

register = template.Library()


@register.filter
def vnd(amount):
    """{{ 1250000|vnd }} -> 1.250.000 ₫"""
    return format_vnd(amount)


@register.filter
def num(value):
    """{{ 60738|num }} -> 60.738"""
    return format_number(value)


@register.filter
def month(value):
    """{{ date|month }} -> 07/2024"""
    if isinstance(value, datetime.date):
        return f"{value.month:02d}/{value.year}"
    return ""


@register.filter
def percent_of(part, whole):
    """{{ part|percent_of:whole }} -> 79"""
    return round(100 * part / whole) if whole else 0


# ID, phone and account numbers, whole or masked by the user's role (org/privacy.py), or as
# an Identifiers given instead of the user:
# {{ b.id_number|id_number:user }}. Without a user they are masked.
@register.filter
def id_number(value, user):
    return identifiers_for(user).id_number(value)


@register.filter
def phone(value, user):
    return identifiers_for(user).phone(value)


@register.filter
def account(value, user):
    return identifiers_for(user).account(value)


# --- List pages: sort headers, pagination and filters that keep each other ----------------------


def _query_without(request, *names: str):
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query


@register.simple_tag(takes_context=True)
def list_query(context, *drop: str) -> str:
    """The page's query string without `page` (and the other names given): what a link to
    another page, sort or tab of the same list keeps."""
    request = context.get("request")
    if request is None:
        return ""
    return _query_without(request, "page", *drop).urlencode()


@register.simple_tag(takes_context=True)
def list_hidden_inputs(context, *drop: str):
    """Hidden inputs for every parameter of the page's query but `page` (and `drop`): a form
    on the list (go to a page) sends the filters and the sort again."""
    request = context.get("request")
    if request is None:
        return ""
    query = _query_without(request, "page", *drop)
    return format_html_join(
        "",
        '<input type="hidden" name="{}" value="{}">',
        ((name, value) for name in query for value in query.getlist(name)),
    )


@register.simple_tag(takes_context=True)
def sort_th(context, column: str, label: str, css_class: str = ""):
    """A column header that sorts the list by `column` (the page's `sort`, a core.lists.Sort):
    the first click ascending, the next descending; an arrow shows the current direction and
    `aria-sort` tells a screen reader. The filters stay, the page goes back to the first."""
    sort = context.get("sort")
    request = context.get("request")
    current = sort is not None and sort.column == column
    descending = current and sort.descending
    query = _query_without(request, "page") if request is not None else None
    target = column if (not current or descending) else f"-{column}"
    href = "?"
    if query is not None:
        query["sort"] = target
        href = f"?{query.urlencode()}"
    arrow = ("▼" if descending else "▲") if current else "↕"
    aria = ("descending" if descending else "ascending") if current else "none"
    return format_html(
        '<th{} data-label="{}" aria-sort="{}"><a class="sort-link" href="{}" data-sort="{}">{}'
        '<span class="sort-arrow{}" aria-hidden="true">{}</span></a></th>',
        format_html(' class="{}"', css_class) if css_class else "",
        label,
        aria,
        href,
        column,
        label,
        "" if current else " idle",
        arrow,
    )


@register.filter
def named_codes(codes, names):
    """Codes as a line keeps them ("K1;CS_FOSTER_K1", or "K1, K3") shown by their names (from
    `names`, code -> name), each with its code for a tooltip; a code without a name stays."""
    parts = [c.strip() for c in str(codes or "").replace(",", ";").split(";") if c.strip()]
    names = names or {}
    return format_html_join(
        "; ",
        '<span class="named-code" title="{}" data-code="{}">{}</span>',
        ((code, code, names.get(code, code)) for code in parts),
    )


@register.simple_tag(takes_context=True)
def sort_select(context, *pairs: str):
    """A "Sort by" select for a filter form (on a phone the table's header is hidden): `pairs`
    are sort values and labels, alternately; the current sort is selected."""
    sort = context.get("sort")
    current = sort.param if sort is not None else ""
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, " selected" if value == current else "", label)
            for value, label in zip(pairs[::2], pairs[1::2], strict=True)
        ),
    )
    return format_html(
        '<label class="filter sort-select">{} <select name="sort" data-sort-select>{}</select>'
        "</label>",
        _("Sort by"),
        options,
    )


@register.inclusion_tag("includes/background_notices.html", takes_context=True)
def background_notices(context):
    """{% background_notices %}: what is being done in the background (org/notices.py)."""
    request = context.get("request")
    return {"notices": notices_now(user=getattr(request, "user", None))}
