"""Template filters for money, counts, months and percentages, the Vietnamese way, and for
the personal numbers each role may see."""

import datetime

from django import template

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


@register.inclusion_tag("includes/background_notices.html", takes_context=True)
def background_notices(context):
    """{% background_notices %}: what is being done in the background (org/notices.py)."""
    request = context.get("request")
    return {"notices": notices_now(user=getattr(request, "user", None))}
