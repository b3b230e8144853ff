"""Coverage figures per month and commune, precomputed into CoverageSnapshot rows.

For each commune and month there is one overall row (provider_code = category_code = ""), one
row per provider and one per category. The register's figures (active people, with an account
opened, through a recipient) are read when the month is refreshed while it is current: a past
month keeps the register figures it had, as a snapshot should. The payment figures (paid through
an account, paid in cash, not paid, amounts) come from the month's payment lists and are
refreshed whenever a list of the month is generated, closed or reconciled.

Definitions, the way the provinces report them:
- active: beneficiaries with status active in the commune whose allowance has started;
- with an account: active people with an active payment account (their own or their
  recipient's) opened by the end of the month;
- paid through an account / in cash: lines of the month's list paid, by channel;
- not paid: lines whose final result is failed or not collected;
- amount due: the list's total; amount paid: the total of its paid lines.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils import timezone

from accounts.models import AccountStatus, PaymentAccount
from beneficiaries.models import AuthorizedRecipient, Beneficiary, BeneficiaryCategory
from beneficiaries.models import BeneficiaryStatus as Status
from core.months import add_months
from org.models import AdministrativeUnit, Role
from org.roles import closing_unit_id_of
from org.scoping import user_can_see_unit
from payments.models import Channel, LineStatus, PaymentLine
from reports.completeness import CLOSED_LIST, NO_LIST, Completeness, completeness
from reports.models import CoverageSnapshot
from reports.reform_trend import predecessors

REGISTER_FIELDS = ("active_count", "with_account_count", "via_recipient_count")
PAYMENT_FIELDS = (
    "paid_account_count",
    "paid_cash_count",
    "unpaid_count",
    "amount_due",
    "amount_paid",
)
FIELDS = REGISTER_FIELDS + PAYMENT_FIELDS
CHUNK = 300
ACTIVE = FIELDS.index("active_count")


def _cell():
    return dict.fromkeys(FIELDS, 0)


def _register_figures(
    communes: list[int], month: datetime.date, people=None, as_commune: int | None = None
) -> dict[tuple, dict]:
    """(commune, provider, category) → the register's three counts for `month`, as the register
    stands now: active people whose allowance has started by the month, accounts opened by its
    end. With `people` (ids): those people wherever they live now, counted under `as_commune`."""
    cells: dict[tuple, dict] = defaultdict(_cell)
    whose = {"pk__in": people} if people is not None else {"commune_id__in": communes}
    active = Beneficiary.objects.filter(**whose, status=Status.ACTIVE).exclude(
        start_month__gt=month
    )
    accounts = PaymentAccount.objects.filter(
        beneficiary__in=active, status=AccountStatus.ACTIVE
    ).exclude(opened_on__gte=add_months(month, 1))
    with_account = set(accounts.values_list("beneficiary_id", flat=True))
    provider_of = dict(
        accounts.order_by("beneficiary_id", "-id").values_list("beneficiary_id", "provider__code")
    )
    via_recipient = set(
        AuthorizedRecipient.objects.filter(beneficiary__in=active, active=True).values_list(
            "beneficiary_id", flat=True
        )
    )
    categories = defaultdict(set)
    for beneficiary_id, code in BeneficiaryCategory.objects.filter(
        beneficiary__in=active, active=True
    ).values_list("beneficiary_id", "category__code"):
        categories[beneficiary_id].add(code)
    for beneficiary_id, commune_id in active.values_list("id", "commune_id"):
        commune_id = as_commune or commune_id
        keys = [(commune_id, "", "")]
        provider = provider_of.get(beneficiary_id)
        if provider:
            keys.append((commune_id, provider, ""))
        keys += [(commune_id, "", code) for code in categories.get(beneficiary_id, ())]
        has_account = beneficiary_id in with_account
        recipient = beneficiary_id in via_recipient
        for key in keys:
            cell = cells[key]
            cell["active_count"] += 1
            cell["with_account_count"] += has_account
            cell["via_recipient_count"] += recipient
    return cells


def _payment_figures(communes: list[int], month: datetime.date, people=None) -> dict[tuple, dict]:
    """(commune, provider, category) → paid / not paid counts and amounts of the month's lists
    (the latest generated list of each closing unit, closed or not); of `people` (ids) only when
    given. The amounts count every line, care support to carers included; the counts are of
    people, by their own line (a person cared for also has a care line, paid to someone else: it
    is not a second person)."""
    cells: dict[tuple, dict] = defaultdict(_cell)
    lines = PaymentLine.objects.filter(commune_id__in=communes, payment_list__period__month=month)
    if people is not None:
        lines = lines.filter(beneficiary_id__in=people)
    lines = lines.values_list(
        "commune_id",
        "provider__code",
        "categories",
        "channel",
        "status",
        "amount_total",
        "care_arrangement_id",
    )
    for commune_id, provider, categories, channel, status, amount, arrangement in lines.iterator(
        chunk_size=5000
    ):
        keys = [(commune_id, "", ""), (commune_id, provider, "")]
        keys += [(commune_id, "", code) for code in categories.split(";") if code]
        for key in keys:
            cell = cells[key]
            cell["amount_due"] += amount
            if status == LineStatus.PAID:
                cell["amount_paid"] += amount
            if arrangement is not None:
                continue
            if status == LineStatus.PAID:
                if channel == Channel.ACCOUNT:
                    cell["paid_account_count"] += 1
                else:
                    cell["paid_cash_count"] += 1
            elif status in (LineStatus.FAILED, LineStatus.UNPAID):
                cell["unpaid_count"] += 1
    return cells


def people_figures(commune: int, people, month: datetime.date) -> dict[tuple, dict]:
    """(provider, category) → the snapshot's figures of `commune` in `month` for `people` (ids)
    only: their lines there, and their register figures wherever they live now (the 2025 reform
    shares a split commune's months out per person: reports.reform_trend)."""
    cells: dict[tuple, dict] = defaultdict(_cell)
    if not people:
        return cells
    for part in (
        _payment_figures([commune], month, people=people),
        _register_figures([commune], month, people=people, as_commune=commune),
    ):
        for (_commune, provider, category), figures in part.items():
            cell = cells[(provider, category)]
            for name in FIELDS:
                cell[name] += figures[name]
    return cells


def communes_under(unit: AdministrativeUnit) -> list[int]:
    return list(
        AdministrativeUnit.objects.filter(path__startswith=unit.path, level="commune").values_list(
            "id", flat=True
        )
    )


def coverage_refresh(
    *, month: datetime.date, unit: AdministrativeUnit | None = None, register: bool | None = None
) -> int:
    """Recompute the month's snapshot rows of the communes under `unit` (all when None).
    `register` (default: when the month is the current one or later, or has no rows yet) also
    re-reads the register's figures. Returns the number of rows written."""
    month = month.replace(day=1)
    if unit is not None:
        communes = communes_under(unit)
    else:
        communes = list(
            AdministrativeUnit.objects.filter(level="commune", active=True).values_list(
                "id", flat=True
            )
        )
    existing = {
        (row.commune_id, row.provider_code, row.category_code): row
        for row in CoverageSnapshot.objects.filter(month=month, commune_id__in=communes)
    }
    current = timezone.localdate().replace(day=1)
    if register is None:
        register = month >= current or not existing
    # A few hundred communes at a time: memory follows a chunk, not the country.
    payments: dict[tuple, dict] = {}
    registered: dict[tuple, dict] = {}
    for start in range(0, len(communes), CHUNK):
        chunk = communes[start : start + CHUNK]
        payments.update(_payment_figures(chunk, month))
        if register:
            registered.update(_register_figures(chunk, month))
    keys = set(payments) | set(registered) | (set(existing) if not register else set())
    now = timezone.now()
    new, changed = [], []
    for key in keys:
        row = existing.get(key)
        if row is None:
            row = CoverageSnapshot(
                month=month, commune_id=key[0], provider_code=key[1], category_code=key[2]
            )
            new.append(row)
        else:
            changed.append(row)
        payment = payments.get(key) or _cell()
        for name in PAYMENT_FIELDS:
            setattr(row, name, payment[name])
        if register:
            figures = registered.get(key) or _cell()
            for name in REGISTER_FIELDS:
                setattr(row, name, figures[name])
        row.computed_at = now
    with transaction.atomic():
        if register:
            # Rows of cells that no longer exist (a provider nobody uses now) go.
            stale = [row.pk for key, row in existing.items() if key not in keys]
            CoverageSnapshot.objects.filter(pk__in=stale).delete()
        CoverageSnapshot.objects.bulk_create(new, batch_size=2000)
        CoverageSnapshot.objects.bulk_update(changed, [*FIELDS, "computed_at"], batch_size=500)
    return len(new) + len(changed)


# -- reading the snapshots -----------------------------------------------------------------------


def _filter(provider: str = "", category: str = "") -> Q:
    return Q(provider_code=provider or "", category_code=category or "")


def _sums(qs) -> dict:
    return {k: v or 0 for k, v in qs.aggregate(**{name: Sum(name) for name in FIELDS}).items()}


def figures(
    unit: AdministrativeUnit,
    month: datetime.date,
    provider: str = "",
    category: str = "",
    done: Completeness | None = None,
) -> dict:
    """The headline figures of a unit in a month, from the snapshots (one aggregate query,
    plus one for the communes that paid through an account, one for the people of the units
    that have closed the month, and `completeness`'s two unless given).

    `paid_account_rate` is measured against the people of the closing units that have closed
    the month (`paid_base`); `paid_state` says whether they all have ("closed"), none has a list
    ("none": show "no list yet", not 0 %) or some have ("open"); `closed` / `closing_units`
    count them."""
    done = done or completeness(unit)
    status = done.month(month)
    rows = CoverageSnapshot.objects.filter(
        _filter(provider, category), month=month, commune__path__startswith=unit.path
    )
    result = _sums(rows)
    counts = rows.filter(active_count__gt=0).aggregate(
        communes=Count("commune_id", distinct=True),
        electronic=Count("commune_id", distinct=True, filter=Q(paid_account_count__gt=0)),
    )
    result.update(counts)
    closed = list(status.closed)  # a commune's closing unit: its district, or itself (two-tier)
    base = rows.filter(Q(commune__parent_id__in=closed) | Q(commune_id__in=closed)).aggregate(
        n=Sum("active_count")
    )
    result.update(
        paid_base=base["n"] or 0,
        paid_state=status.state_of(status.taking_part or frozenset(done.units)),
        closed=status.closed_count,
        closing_units=status.total,
        complete=status.complete,
    )
    return with_rates(result)


def with_rates(row: dict) -> dict:
    """Rates in whole percent. Paid through an account: of `paid_base` when the row has one
    (the people of the units that closed the month), else of everyone active."""
    active = row.get("active_count") or 0
    row["account_rate"] = round(100 * row["with_account_count"] / active) if active else 0
    base = row.get("paid_base", active)
    row["paid_account_rate"] = round(100 * row["paid_account_count"] / base) if base else 0
    paid = row["paid_account_count"] + row["paid_cash_count"]
    row["paid_count"] = paid
    row["cash_rate"] = round(100 * row["paid_cash_count"] / paid) if paid else 0
    return row


def trend(
    unit: AdministrativeUnit,
    month: datetime.date,
    provider: str = "",
    category: str = "",
    months: int = 12,
    done: Completeness | None = None,
) -> list[dict]:
    """The last `months` months up to `month`: one row each, from the snapshots. Each row
    says whether the month is `complete` (every closing unit live then has closed it), with
    `closed` / `closing_units`; `paid_account_rate` is of the people of the units that closed
    it, and a month none has closed has `paid_state` "none" (no point, not 0 %)."""
    done = done or completeness(unit)
    first = add_months(month, 1 - months)
    # Across the 2025 reform: the old communes' months re-aggregated onto this unit.
    before = predecessors(unit)
    where = Q(commune__path__startswith=unit.path)
    if before is not None:
        where |= Q(commune_id__in=before.old_communes, month__lt=before.effective_month)
    rows = list(
        CoverageSnapshot.objects.filter(
            where,
            _filter(provider, category),
            month__gte=first,
            month__lte=month,
        )
        .values("month", "commune__parent_id", "commune_id")
        .annotate(**{name: Sum(name) for name in FIELDS})
        .order_by("month")
    )
    if before is not None and before.split:
        # A split old commune: the share of the people the reform put under this unit.
        from reports.reform_split import split_rows

        rows += split_rows(before, first, month, provider, category)
    by_month: dict[datetime.date, dict] = {}

    def done_of(this: datetime.date) -> Completeness:
        return before.done if before and this < before.effective_month else done

    for row in rows:
        status = done_of(row["month"]).month(row["month"])
        cell = by_month.setdefault(row["month"], {**_cell(), "paid_base": 0})
        for name in FIELDS:
            cell[name] += row[name] or 0
        if row["commune__parent_id"] in status.closed or row["commune_id"] in status.closed:
            cell["paid_base"] += row["active_count"] or 0
    points = []
    for i in range(months):
        this = add_months(first, i)
        this_done = done_of(this)
        status = this_done.month(this)
        cell = by_month.get(this)
        point = {
            "month": this,
            # Re-aggregated from the 2025-01 communes (a split one per person: reform_trend).
            "reaggregated": bool(before and this < before.effective_month),
            "empty": cell is None,
            **(cell or {**_cell(), "paid_base": 0}),
            "paid_state": status.state_of(status.taking_part or frozenset(this_done.units)),
            "closed": status.closed_count,
            "closing_units": status.total,
            "complete": status.complete,
        }
        points.append(with_rates(point))
    return points


def children(
    unit: AdministrativeUnit,
    month: datetime.date,
    provider: str = "",
    category: str = "",
    done: Completeness | None = None,
) -> list[dict]:
    """The unit's children (districts of a province, communes of a district) side by side,
    each with the `paid_state` of its closing unit(s) for the month ("none": no list yet)."""
    kids = list(unit.children.filter(active=True).order_by("code"))
    if not kids:
        return []
    done = done or completeness(unit)
    status = done.month(month)
    depth = len(unit.path.strip("/").split("/"))  # the child's code sits at this index
    rows = CoverageSnapshot.objects.filter(
        _filter(provider, category), month=month, commune__path__startswith=unit.path
    ).values_list("commune__path", "commune__parent_id", "commune_id", *FIELDS)
    sums: dict[str, dict] = defaultdict(lambda: {**_cell(), "paid_base": 0})
    for path, parent_id, commune_id, *values in rows:
        code = path.strip("/").split("/")[depth]
        cell = sums[code]
        for name, value in zip(FIELDS, values, strict=True):
            cell[name] += value
        if parent_id in status.closed or commune_id in status.closed:
            cell["paid_base"] += values[ACTIVE]
    result = []
    for kid in kids:
        units = done.units_of(kid)
        state = status.state_of(units) if units else NO_LIST
        row = dict(sums.get(kid.code) or {**_cell(), "paid_base": 0})
        result.append({"unit": kid, **with_rates(row), "paid_state": state})
    return result


def lowest_communes(
    unit: AdministrativeUnit,
    month: datetime.date,
    provider: str = "",
    category: str = "",
    n: int = 10,
    done: Completeness | None = None,
) -> list[dict]:
    """The communes with the lowest coverage: those whose list of the month is closed first,
    by the share paid through an account; then the others (no list yet, or not closed), by the
    share with an account."""
    done = done or completeness(unit)
    status = done.month(month)
    rows = CoverageSnapshot.objects.filter(
        _filter(provider, category),
        month=month,
        commune__path__startswith=unit.path,
        active_count__gt=0,
    ).select_related("commune", "commune__parent")
    ranked = []
    for row in rows:
        state = status.state_of({closing_unit_id_of(row.commune)})
        figures = {name: getattr(row, name) for name in FIELDS}
        figures["paid_base"] = row.active_count if state == CLOSED_LIST else 0
        ranked.append({"unit": row.commune, **with_rates(figures), "paid_state": state})
    ranked.sort(
        key=lambda r: (
            r["paid_state"] != CLOSED_LIST,
            r["paid_account_rate"],
            r["account_rate"],
            r["unit"].code,
        )
    )
    return ranked[:n]


def latest_month(
    unit: AdministrativeUnit, done: Completeness | None = None
) -> datetime.date | None:
    """The month a dashboard opens on: the latest month every closing unit under `unit` (live
    by then) has closed; when none is, the latest month any of them closed (the page says how
    incomplete it is); before any closed list, the latest with a payment list, else the latest
    with figures at all (early on, the register's figures are there)."""
    done = done or completeness(unit)
    month = done.latest_complete_month()
    if month is not None:
        return month
    rows = CoverageSnapshot.objects.filter(
        commune__path__startswith=unit.path, provider_code="", category_code=""
    ).order_by("-month")
    month = rows.filter(amount_due__gt=0).values_list("month", flat=True).first()
    month = month or rows.values_list("month", flat=True).first()
    if month is None and (before := predecessors(unit)) is not None:
        # A new unit of a reformed province, before its first list: its old communes' months.
        return before.done.latest_complete_month()
    return month


# -- which unit ------------------------------------------------------------------------------


def default_unit(user) -> AdministrativeUnit | None:
    """The unit a user's dashboard opens on: their own; for an administrator without one, the
    province with the latest figures."""
    if user.unit_id:
        return user.unit
    latest = (
        CoverageSnapshot.objects.order_by("-month").select_related("commune").first()
        if user.role == Role.ADMIN
        else None
    )
    if latest is None:
        return (
            AdministrativeUnit.objects.filter(level="province", active=True)
            .order_by("-code_version", "code")
            .first()
        )
    province_path = latest.commune.province_path
    return AdministrativeUnit.objects.get(path=province_path)


def unit_by_code(user, code: str) -> AdministrativeUnit:
    """The unit with this GSO code in the user's scope (the user's code version first), else
    Http404."""
    candidates = [
        unit
        for unit in AdministrativeUnit.objects.filter(code=code).order_by("-code_version")
        if user_can_see_unit(user, unit)
    ]
    if not candidates:
        raise Http404
    if user.unit_id:
        same = [u for u in candidates if u.code_version == user.unit.code_version]
        if same:
            return same[0]
    return candidates[0]
