"""What a person's page answers at the top: what they get this month and how it is computed, the
changes waiting, the next change age brings, and the panels higher apps add (payment history).

The amounts come from the policy engine (`beneficiaries.policy.monthly_entitlement`, the same
function the payment list uses); nothing here re-implements a rule.

Panels: a lower layer cannot import payments, so payments (or any higher app) registers a
callable in its AppConfig.ready with `person_panel_register`; the person's page calls each and
includes the template it names. A panel sees the user and returns only what that user may see.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from beneficiaries.models import Beneficiary, BeneficiaryCategory, BeneficiaryStatus, ChangeRecord
from beneficiaries.policy import Person, PolicyError, monthly_entitlement
from beneficiaries.policy_outlook import AgeChange, next_age_change
from beneficiaries.policy_tables import load_policy_tables
from beneficiaries.services.checks import OPEN_STATUSES
from core.months import month_label
from org.text import format_vnd


def format_coefficient(value: Decimal | None) -> str:
    """Decimal("1.50") -> "1,5", Decimal("2") -> "2,0"; None -> "—" (the decimal comma)."""
    if value is None:
        return "—"
    text = format(Decimal(value).normalize(), "f")
    if "." not in text:
        text += ".0"
    return text.replace(".", ",")


# --- This month's amount ------------------------------------------------------------------------


@dataclass(frozen=True)
class AmountPart:
    code: str
    name: str
    coefficient: str
    amount: int
    paid: bool
    note: str


@dataclass(frozen=True)
class MonthAmount:
    """The allowance of `month`: `amount` with its parts, or 0 and `reason` (not receiving, or
    the rules cannot price the person: then `problem`)."""

    month: datetime.date
    amount: int
    standard_level: int | None = None
    coefficient: str = ""
    parts: tuple[AmountPart, ...] = ()
    reason: str = ""
    problem: str = ""


def categories_held(beneficiary: Beneficiary, month: datetime.date) -> list[BeneficiaryCategory]:
    """The categories in force in `month` (one query)."""
    return list(
        BeneficiaryCategory.objects.filter(
            beneficiary=beneficiary, active=True, start_month__lte=month
        )
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
        .select_related("category")
        .order_by("start_month", "category__code")
    )


def _not_paid_reason(b: Beneficiary, month: datetime.date) -> str:
    if b.date_of_death:
        return _("Died on %(day)s: the allowance has stopped.") % {
            "day": b.date_of_death.strftime("%d/%m/%Y")
        }
    if b.status == BeneficiaryStatus.SUSPENDED:
        return _("Suspended: nothing is paid until the allowance resumes (with arrears).")
    if b.status == BeneficiaryStatus.STOPPED:
        if b.end_month:
            return _("Stopped: the allowance ended after %(month)s.") % {
                "month": month_label(b.end_month)
            }
        return _("Stopped: the allowance has ended.")
    if b.status == BeneficiaryStatus.PENDING:
        return _("Awaiting approval: nothing is paid before the registration is approved.")
    if b.status == BeneficiaryStatus.REJECTED:
        return _("The registration was rejected.")
    if b.start_month and month < b.start_month:
        return _("The allowance starts in %(month)s.") % {"month": month_label(b.start_month)}
    if b.end_month and month > b.end_month:
        return _("The allowance ended after %(month)s.") % {"month": month_label(b.end_month)}
    return ""


def _person(b: Beneficiary, held: list[BeneficiaryCategory]) -> Person:
    return Person(
        date_of_birth=b.date_of_birth,
        categories=tuple(row.category.code for row in held),
        disability_level=b.disability_level,
        dependent_children=b.dependent_children,
    )


def month_amount(b: Beneficiary, month: datetime.date, *, tables=None, held=None) -> MonthAmount:
    """What `b` is owed for `month`, explained (see `MonthAmount`)."""
    month = month.replace(day=1)
    reason = _not_paid_reason(b, month)
    if reason:
        return MonthAmount(month, 0, reason=reason)
    held = categories_held(b, month) if held is None else held
    if not held:
        return MonthAmount(month, 0, reason=_("No category is in force this month."))
    tables = tables or load_policy_tables()
    names = {row.category.code: row.category.display_name for row in held}
    try:
        result = monthly_entitlement(
            tables, _person(b, held), month, b.commune.province_code, settings.TROCAP_AGE_RULE
        )
    except PolicyError as exc:
        return MonthAmount(month, 0, problem=str(exc))
    parts = tuple(
        AmountPart(
            code=p.code,
            name=names.get(p.code, ""),
            coefficient=format_coefficient(p.coefficient if p.amount else None),
            amount=p.amount,
            paid=p.paid,
            note=p.note,
        )
        for p in result.parts
    )
    return MonthAmount(
        month,
        result.amount,
        standard_level=result.standard_level,
        coefficient=format_coefficient(result.coefficient),
        parts=parts,
        reason="" if result.amount else _("No category held is payable this month."),
    )


# --- The next change age brings --------------------------------------------------------------


@dataclass(frozen=True)
class AgeOutlook:
    month: datetime.date
    age: int
    text: str


def age_outlook(
    b: Beneficiary, month: datetime.date, *, tables=None, held=None
) -> AgeOutlook | None:
    """The next change age brings to what `b` is paid, in words ("From 03/2027: turns 80,
    K5A coefficient 1,5 → 2,0"), or None (none coming, or not receiving)."""
    if b.status not in (BeneficiaryStatus.ACTIVE, BeneficiaryStatus.SUSPENDED) or b.date_of_death:
        return None
    month = month.replace(day=1)
    held = categories_held(b, month) if held is None else held
    if not held:
        return None
    change: AgeChange | None = next_age_change(
        tables or load_policy_tables(),
        _person(b, held),
        month,
        b.commune.province_code,
        settings.TROCAP_AGE_RULE,
    )
    if change is None:
        return None
    shifts = []
    for shift in change.shifts:
        if shift.after is None:
            shifts.append(_("%(code)s ends") % {"code": shift.code})
        elif shift.before is None:
            shifts.append(
                _("%(code)s begins, coefficient %(after)s")
                % {"code": shift.code, "after": format_coefficient(shift.after)}
            )
        else:
            shifts.append(
                _("%(code)s coefficient %(before)s → %(after)s")
                % {
                    "code": shift.code,
                    "before": format_coefficient(shift.before),
                    "after": format_coefficient(shift.after),
                }
            )
    text = _(
        "From %(month)s: turns %(age)s, %(shifts)s; monthly amount %(before)s → %(after)s."
    ) % {
        "month": month_label(change.month),
        "age": change.age,
        "shifts": ", ".join(shifts),
        "before": format_vnd(change.amount_before),
        "after": format_vnd(change.amount_after),
    }
    return AgeOutlook(change.month, change.age, text)


# --- Changes waiting ------------------------------------------------------------------------------


def changes_waiting(b: Beneficiary) -> list[ChangeRecord]:
    """The person's changes not yet decided (draft, submitted, proposed), oldest month first."""
    return list(
        b.changes.filter(status__in=OPEN_STATUSES)
        .select_related("maker")
        .order_by("effective_month", "created_at")
    )


# --- Panels higher apps add -------------------------------------------------------------------


@dataclass(frozen=True)
class PersonPanel:
    """What a registered panel returns: the template to include and its context."""

    template: str
    context: dict = field(default_factory=dict)


PanelBuilder = Callable[..., PersonPanel | None]
"""``builder(*, user, beneficiary, params) -> PersonPanel | None`` (`params`: the page's GET)."""

_panels: dict[str, PanelBuilder] = {}


def person_panel_register(name: str, builder: PanelBuilder) -> None:
    """Add (or replace, by `name`) a panel of the person's page. Called in AppConfig.ready."""
    _panels[name] = builder


def person_panels(*, user, beneficiary: Beneficiary, params) -> list[PersonPanel]:
    """The panels for this user and person, in the order they were registered."""
    out = []
    for builder in _panels.values():
        panel = builder(user=user, beneficiary=beneficiary, params=params)
        if panel is not None:
            out.append(panel)
    return out
