"""apply_unit_reform: move a province's register from its 2025-01 communes to its 2025-10 ones.

The correspondence is the published one (org.reform_correspondence, from `vietnamadminunits`).
People of a whole old commune move at once, in one transaction, each with a history entry whose
reason names the run; people of an old commune split between several new ones wait in the
worklist (ReformWorklistItem) until an officer picks their new commune, and no list of the
effective month or later is generated for the province meanwhile (payments asks
`reform_waiting_count`). Open (draft, submitted) changes move with their person. Closed lists keep
their lines on the old communes; the old closing units' lists of the effective month on that are
not closed (draft or generated, no batch) are removed by payments' handler
(`abolished_drafts_handler_register`), their history kept; arrears, carry-overs, funeral
support and suspensions are the person's and follow them; accounts and recipients are
untouched. The old province, districts and communes become inactive: their users cannot act
until the administrator re-homes them (org.middleware.AbolishedUnitMiddleware); users of the
province itself move to its new row.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import Beneficiary, ChangeRecord, ChangeStatus
from beneficiaries.reform_models import ReformRun, ReformStatus, ReformWorklistItem
from core.errors import AppError, AppForbidden
from org.models import AdministrativeUnit, CodeVersion, Role, UnitLevel, User
from org.reform_correspondence import Correspondence, province_correspondence
from org.services import DATA_DIR, unit_load, units_from_json, units_from_package

logger = logging.getLogger(__name__)

OPEN_CHANGES = (ChangeStatus.PROPOSED, ChangeStatus.DRAFT, ChangeStatus.SUBMITTED)
TWO_TIER_FILE = DATA_DIR / "units_2025-10_two_tier_hue_thai_nguyen.json"


# The draft lists of the abolished closing units, from the effective month on, are wrong once
# their people move: payments (above) registers the one handler that counts them (apply=False,
# the plan) or removes them (apply=True, inside the run's transaction), in its AppConfig.ready:
# `handler(*, province_code, effective_month, apply, reason, user) -> int`.
AbolishedDraftsHandler = Callable[..., int]
_abolished_drafts: AbolishedDraftsHandler | None = None


def abolished_drafts_handler_register(handler: AbolishedDraftsHandler) -> None:
    """Set the one function that counts or removes the abolished units' draft lists."""
    global _abolished_drafts
    _abolished_drafts = handler


def _drafts(code: str, month: datetime.date, *, apply: bool, reason: str = "", user=None) -> int:
    if _abolished_drafts is None:
        return 0
    return _abolished_drafts(
        province_code=code, effective_month=month, apply=apply, reason=reason, user=user
    )


@dataclass
class ReformPlan:
    province_code: str
    effective_month: datetime.date
    correspondence: Correspondence
    # new commune name -> {old commune name: people}
    arrivals: dict[str, Counter] = field(default_factory=dict)
    worklist: Counter = field(default_factory=Counter)  # old commune name -> people waiting
    users: list[User] = field(default_factory=list)  # users of abolished units
    already_applied: ReformRun | None = None
    drafts: int = 0  # draft lists of the old closing units, effective month on, to remove

    @property
    def moved(self) -> int:
        return sum(sum(c.values()) for c in self.arrivals.values())

    @property
    def worklist_size(self) -> int:
        return sum(self.worklist.values())


def two_tier_units_ensure(province_code: str) -> bool:
    """Load the province's 2025-10 units if they are not there; True if it loaded them."""
    code = str(int(province_code)).zfill(2)
    if AdministrativeUnit.objects.filter(
        code_version=CodeVersion.TWO_TIER,
        level=UnitLevel.COMMUNE,
        path__startswith=f"2025-10/{code}/",
    ).exists():
        return False
    version, rows = units_from_json(json.loads(TWO_TIER_FILE.read_text()), province_code=code)
    if not rows:
        version, rows = units_from_package(province_code=code)
    if not rows:
        raise AppError(Code.REFORM_UNKNOWN_PROVINCE, _("This province has no 2025-10 units."))
    unit_load(rows=rows, code_version=version)
    return True


def _old_units(code: str):
    return AdministrativeUnit.objects.filter(path__startswith=f"{CodeVersion.THREE_TIER}/{code}/")


def reform_plan(*, province_code: str, effective_month: datetime.date) -> ReformPlan:
    """What the reform would do, read only (the 2025-10 units must be loaded for the names)."""
    code = str(int(province_code)).zfill(2)
    corr = province_correspondence(code)
    plan = ReformPlan(code, effective_month.replace(day=1), corr)
    plan.already_applied = ReformRun.objects.filter(province_code=code).first()
    old = {u.code: u for u in _old_units(code).filter(level=UnitLevel.COMMUNE)}
    new = {
        u.code: u
        for u in AdministrativeUnit.objects.filter(
            path__startswith=f"{CodeVersion.TWO_TIER}/{code}/", level=UnitLevel.COMMUNE
        )
    }
    people = dict(
        Beneficiary.objects.filter(commune__in=old.values())
        .values("commune_id")
        .annotate(n=Count("id"))
        .values_list("commune_id", "n")
    )
    for old_code, unit in old.items():
        n = people.get(unit.pk, 0)
        target = corr.old.get(old_code)
        if not n:
            continue
        if target is None:
            plan.worklist[unit.name] += 0  # reported in the disagreements; refused at apply
            continue
        if target.split:
            plan.worklist[unit.name] += n
        else:
            plan.arrivals.setdefault(new[target.default].name, Counter())[unit.name] += n
    plan.users = list(
        User.objects.filter(unit__in=_old_units(code).exclude(level=UnitLevel.PROVINCE))
        .exclude(role=Role.ADMIN)
        .select_related("unit")
        .order_by("unit__path", "username")
    )
    plan.drafts = _drafts(code, plan.effective_month, apply=False)
    return plan


@transaction.atomic
def reform_apply(*, province_code: str, effective_month: datetime.date, user=None) -> ReformRun:
    """Apply the reform to the province (see the module). A second run refuses with
    REFORM_ALREADY_APPLIED and changes nothing."""
    code = str(int(province_code)).zfill(2)
    if ReformRun.objects.filter(province_code=code).exists():
        raise AppError(
            Code.REFORM_ALREADY_APPLIED, _("The reform was already applied to this province.")
        )
    two_tier_units_ensure(code)
    corr = province_correspondence(code)
    old_units = list(_old_units(code).select_for_update())
    if not old_units:
        raise AppError(Code.REFORM_UNKNOWN_PROVINCE, _("This province has no 2025-01 units."))
    old_communes = {u.pk: u for u in old_units if u.level == UnitLevel.COMMUNE}
    new_by_code = {
        u.code: u
        for u in AdministrativeUnit.objects.filter(
            path__startswith=f"{CodeVersion.TWO_TIER}/{code}/", level=UnitLevel.COMMUNE
        )
    }
    targets = {
        pk: [new_by_code[c] for c in corr.old[u.code].new_codes]
        for pk, u in old_communes.items()
        if u.code in corr.old
    }
    unmapped = [
        u.name
        for pk, u in old_communes.items()
        if pk not in targets and Beneficiary.objects.filter(commune_id=pk).exists()
    ]
    if unmapped:
        raise AppError(
            Code.REFORM_UNMAPPED_COMMUNE,
            _(
                "These old communes have people but no new commune in the correspondence: "
                "%(names)s."
            ),
            params={"names": ", ".join(sorted(unmapped))},
        )
    run = ReformRun.objects.create(
        province_code=code,
        effective_month=effective_month.replace(day=1),
        status=ReformStatus.APPLIED,
        created_by=user,
        correspondence={str(pk): [n.pk for n in news] for pk, news in targets.items()},
    )
    reason = run.history_reason
    split_codes = {code for code, old in corr.old.items() if old.split}
    whole = {
        pk: news[0] for pk, news in targets.items() if old_communes[pk].code not in split_codes
    }
    split = {pk: news for pk, news in targets.items() if old_communes[pk].code in split_codes}

    # Whole rows: the history records copy every field (deferred ones would cost a query each).
    people = list(Beneficiary.objects.filter(commune_id__in=list(whole)))
    for person in people:
        person.commune = whole[person.commune_id]
    bulk_update_with_history(
        people,
        Beneficiary,
        ["commune"],
        batch_size=2000,
        default_user=user,
        default_change_reason=reason,
    )
    run.moved = len(people)

    waiting = list(Beneficiary.objects.filter(commune_id__in=list(split)).only("id", "commune_id"))
    items = ReformWorklistItem.objects.bulk_create(
        [
            ReformWorklistItem(
                run=run,
                beneficiary=p,
                old_commune_id=p.commune_id,
                default_commune=split[p.commune_id][0],
            )
            for p in waiting
        ],
        batch_size=2000,
    )
    through = ReformWorklistItem.candidates.through
    through.objects.bulk_create(
        [
            through(reformworklistitem_id=item.pk, administrativeunit_id=c.pk)
            for item in items
            for c in split[item.old_commune_id]
        ],
        batch_size=5000,
    )
    run.worklist_size = len(items)

    changes = list(ChangeRecord.objects.filter(status__in=OPEN_CHANGES, commune_id__in=list(whole)))
    for change in changes:
        change.commune = whole[change.commune_id]
    moves = list(
        ChangeRecord.objects.filter(status__in=OPEN_CHANGES, new_commune_id__in=list(whole))
    )
    for change in moves:
        change.new_commune = whole[change.new_commune_id]
    bulk_update_with_history(
        changes,
        ChangeRecord,
        ["commune"],
        batch_size=2000,
        default_user=user,
        default_change_reason=reason,
    )
    bulk_update_with_history(
        moves,
        ChangeRecord,
        ["new_commune"],
        batch_size=2000,
        default_user=user,
        default_change_reason=reason,
    )
    run.changes_moved = len({c.pk for c in changes} | {c.pk for c in moves})

    # Their draft lists of the effective month on are wrong now: removed (closed ones stay).
    run.drafts_removed = _drafts(code, run.effective_month, apply=True, reason=reason, user=user)

    # The old units are abolished; the province's own users move to its new row.
    new_province = AdministrativeUnit.objects.get(
        code_version=CodeVersion.TWO_TIER, level=UnitLevel.PROVINCE, code=code
    )
    old_province = next(u for u in old_units if u.level == UnitLevel.PROVINCE)
    for u in User.objects.filter(unit=old_province):
        u.unit = new_province
        u._change_reason = reason
        u.save(update_fields=["unit"])
    run.users_to_rehome = User.objects.filter(unit__in=old_units).exclude(role=Role.ADMIN).count()
    for unit in old_units:
        unit.active = False
    bulk_update_with_history(
        old_units,
        AdministrativeUnit,
        ["active"],
        batch_size=2000,
        default_user=user,
        default_change_reason=reason,
    )
    if not items:
        run.status = ReformStatus.COMPLETE
    run.save()
    logger.info(
        "unit_reform_applied",
        extra={
            "run_id": run.pk,
            "province_code": code,
            "moved": run.moved,
            "worklist": run.worklist_size,
            "changes": run.changes_moved,
            "users_to_rehome": run.users_to_rehome,
            "drafts_removed": run.drafts_removed,
        },
    )
    return run


def reform_waiting_count(*, province_code: str, month: datetime.date) -> int:
    """People of the province still in a reform worklist whose effective month is `month` or
    before: while any wait, no list of that month is generated."""
    return ReformWorklistItem.objects.filter(
        run__province_code=province_code,
        run__effective_month__lte=month,
        assigned_commune__isnull=True,
    ).count()


def worklist_assign(*, item: ReformWorklistItem, commune: AdministrativeUnit, user) -> None:
    """Put a waiting person on one of the candidate new communes, with the run in the history;
    their open changes follow."""
    with transaction.atomic():
        item = ReformWorklistItem.objects.select_for_update().select_related("run").get(pk=item.pk)
        if item.assigned_commune_id is not None:
            raise AppError(Code.REFORM_ALREADY_ASSIGNED, _("This person was already assigned."))
        if not item.candidates.filter(pk=commune.pk).exists():
            raise AppError(
                Code.REFORM_NOT_A_CANDIDATE,
                _("This commune is not one the old commune was split into."),
            )
        _require_may_assign(user, item, commune)
        reason = item.run.history_reason
        person = Beneficiary.objects.select_for_update().get(pk=item.beneficiary_id)
        person.commune = commune
        person._change_reason = reason
        person.save(update_fields=["commune", "updated_at"])
        for change in ChangeRecord.objects.filter(beneficiary=person, status__in=OPEN_CHANGES):
            if change.commune_id == item.old_commune_id:
                change.commune = commune
                change._change_reason = reason
                change.save(update_fields=["commune"])
        item.assigned_commune = commune
        item.assigned_by = user
        item.assigned_at = timezone.now()
        item.save(update_fields=["assigned_commune", "assigned_by", "assigned_at"])
        run = item.run
        if not run.worklist.filter(assigned_commune__isnull=True).exists():
            run.status = ReformStatus.COMPLETE
            run.save(update_fields=["status"])
    logger.info(
        "unit_reform_assigned",
        extra={
            "run_id": item.run_id,
            "beneficiary_id": item.beneficiary_id,
            "commune_id": commune.pk,
        },
    )


def reform_history_counts(run: ReformRun) -> dict[str, int]:
    """How many history rows carry the run's reason (for the command's report)."""
    reason = run.history_reason
    return {
        "people": Beneficiary.history.filter(history_change_reason=reason).count(),
        "changes": ChangeRecord.history.filter(history_change_reason=reason).count(),
    }


# Who works the worklist. Decree 147/2025 (Art. 5 cl. 1) gives the chairman of the NEW commune's
# People's Committee the decision; the province supervises. A person of a split old commune
# waits for one of the new communes to take them: the administrator and the province officer
# assign anyone of their province; the leader of a candidate new commune sees the people who may
# come to it and takes them into their own commune only, never into another; the commune officer
# of a candidate commune sees them read only (the officer prepares, the leader decides: they
# may check an address, not move a person). Anyone else gets 403; an item out of the user's
# scope is 404.
WORKLIST_ROLES = (Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_LEADER, Role.COMMUNE_OFFICER)
ASSIGNING_ROLES = (Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_LEADER)


def _own_candidate_commune(user) -> AdministrativeUnit | None:
    """The 2025-10 commune a commune user works for (None if theirs is not one)."""
    unit = user.unit
    if unit is None or unit.level != UnitLevel.COMMUNE or unit.code_version != CodeVersion.TWO_TIER:
        return None
    return unit


def worklist_scope(user):
    """Every worklist entry (waiting or assigned) the user may see, None for a role that may
    not open the worklist: the administrator all, a province officer their province's, a
    commune leader or officer those whose candidate communes include their own."""
    if user.role not in WORKLIST_ROLES:
        return None
    items = ReformWorklistItem.objects.all()
    if user.role == Role.ADMIN:
        return items
    if user.unit_id is None:
        return None
    if user.role == Role.PROVINCE_OFFICER:
        return items.filter(run__province_code=user.unit.province_code)
    own = _own_candidate_commune(user)
    return None if own is None else items.filter(candidates=own)


def worklist_for(user):
    """The waiting people of the reform worklist the user may see (worklist_scope). None for a
    role that may not open it."""
    items = worklist_scope(user)
    if items is None:
        return None
    return (
        items.filter(assigned_commune__isnull=True)
        .select_related(
            "beneficiary", "old_commune", "old_commune__parent", "default_commune", "run"
        )
        .prefetch_related("candidates")
    )


def worklist_may_assign(user) -> bool:
    """Whether the user assigns (the commune officer only reads)."""
    return user.role in ASSIGNING_ROLES


def worklist_choices(user, item: ReformWorklistItem) -> list[AdministrativeUnit]:
    """The new communes the user may put `item`'s person on: every candidate for the
    administrator and the province officer, the leader's own commune only (it is a candidate,
    or the item would be out of their scope); none for a reader."""
    if not worklist_may_assign(user):
        return []
    candidates = list(item.candidates.all())
    if user.role == Role.COMMUNE_LEADER:
        return [c for c in candidates if c.pk == user.unit_id]
    return candidates


def _require_may_assign(user, item: ReformWorklistItem, commune: AdministrativeUnit) -> None:
    if user is None or user.role == Role.ADMIN:  # the command, the administrator
        return
    if user.role == Role.PROVINCE_OFFICER and user.unit.province_code == item.run.province_code:
        return
    if user.role == Role.COMMUNE_LEADER and commune.pk == user.unit_id:
        return
    raise AppForbidden(
        Code.REFORM_NOT_YOUR_COMMUNE,
        _(
            "A commune's leader takes a person of a split commune into their own commune only; "
            "the province officer assigns them to any of the new communes."
        ),
    )
