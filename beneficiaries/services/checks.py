"""The checks registrations and changes share: every field problem with its code, and who may
act on a commune's changes.

Field checks collect into a `core.errors.FieldErrors` (field -> coded messages, the shape
forms and the import report use); the services raise it once, whole.
"""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from beneficiaries import rules, validation
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import (
    Beneficiary,
    ChangeKind,
    ChangeReason,
    ChangeRecord,
    ChangeStatus,
    DisabilityLevel,
    Sex,
)
from beneficiaries.policy import PolicyTables
from beneficiaries.policy_tables import load_policy_tables
from beneficiaries.services.applicable import PersonFacts, kind_refusal
from beneficiaries.services.care import check_care, check_care_end, check_care_of_person
from beneficiaries.services.inputs import (
    ChangeInput,
    RegistrationInput,
)
from beneficiaries.services.month_bounds import check_month_bounds
from beneficiaries.services.rulebook import (
    add_problems,
    changed_category_errors,
    check_account,
    check_disability_change,
    check_funeral_payee,
    check_recipient,
    own_id_numbers,
)
from core.errors import AppForbidden, FieldErrors
from core.months import add_months
from org.models import AdministrativeUnit, Role, UnitLevel
from org.roles import require_checker_of
from org.scoping import require_officer_of, user_can_see_unit

MAX_DECISION_FILE_BYTES = 5 * 1024 * 1024
DECISION_FILE_SIGNATURES = {
    b"%PDF-": "pdf",
    b"\xff\xd8\xff": "jpeg",
    b"\x89PNG\r\n\x1a\n": "png",
}
DECISION_FILE_EXTENSIONS = {"pdf": "pdf", "jpg": "jpeg", "jpeg": "jpeg", "png": "png"}
# Markup that makes a "PDF" a web page when a browser is talked into rendering it.
HTML_MARKERS = re.compile(rb"<\s*(html|script|body|iframe|svg|!doctype\s+html)\b", re.IGNORECASE)
OPEN_STATUSES = (ChangeStatus.DRAFT, ChangeStatus.SUBMITTED, ChangeStatus.PROPOSED)
STOP_REASONS = (
    ChangeReason.DEATH,
    ChangeReason.MOVED_AWAY,
    ChangeReason.NOT_ELIGIBLE,
    ChangeReason.REFUSED,
    ChangeReason.IMPRISONED,
    ChangeReason.AGE,
)


# --- Who may act --------------------------------------------------------------------------------


def require_maker(
    user, commune: AdministrativeUnit, *, initial_load: bool = False, portal: bool = False
) -> None:
    """Commune officers enter their commune's changes. Migrating already-approved people from an
    older system (initial load) is the administrator's alone: it creates people the next list
    pays with no checker, so no officer may do it (INITIAL_LOAD_NOT_ALLOWED). The one-stop
    portal's system account (a token on the district or province) sends applications for the
    communes of its area. Raises AppForbidden (NOT_MAKER, INITIAL_LOAD_NOT_ALLOWED)."""
    if initial_load:
        require_officer_of(
            user,
            commune,
            {Role.ADMIN},
            message=initial_load_admin_only(),
            code=Code.INITIAL_LOAD_NOT_ALLOWED,
        )
        return
    makers = {Role.COMMUNE_OFFICER}
    if portal:
        makers |= {Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER}
    require_officer_of(
        user,
        commune,
        makers,
        message=_("Only an officer of this commune can enter its changes."),
        code=Code.NOT_MAKER,
    )


def require_initial_loader(user) -> None:
    """The initial load (people already approved in an older system, paid with no checker) is
    the administrator's alone. Raises AppForbidden (INITIAL_LOAD_NOT_ALLOWED). Which communes
    the administrator may load is `require_maker`'s question, row by row."""
    if getattr(user, "role", None) != Role.ADMIN:
        raise AppForbidden(Code.INITIAL_LOAD_NOT_ALLOWED, initial_load_admin_only())


def initial_load_admin_only() -> str:
    """The refusal of an initial load to anyone but the administrator."""
    return _(
        "Only the administrator may load beneficiaries already approved in an older system "
        "(initial load); officers import registrations for the district to approve."
    )


def require_checker(user, change: ChangeRecord) -> None:
    """The commune's checker decides (org.roles: the district officer above a three-tier
    commune, the leader of a two-tier commune), never on their own change. Raises
    AppForbidden (NOT_CHECKER, OWN_CHANGE)."""
    require_checker_of(user, change.commune, code=Code.NOT_CHECKER)
    if change.maker_id == user.pk:
        raise AppForbidden(Code.OWN_CHANGE, _("Nobody may approve or reject their own change."))


def tag(user, *instances, reason: str = "") -> None:
    """Record `user` as the author of the history rows these saves write (and `reason` as their
    change reason, when given)."""
    for instance in instances:
        instance._history_user = user
        if reason:
            instance._change_reason = reason


# --- Field checks -------------------------------------------------------------------------------


def check_decision_file(upload: UploadedFile | None) -> list[ValidationError]:
    """A scanned decision: PDF, JPEG or PNG (by content, not by name), at most 5 MB."""
    if upload is None:
        return []
    if upload.size > MAX_DECISION_FILE_BYTES:
        return [
            ValidationError(
                _("The file is %(size)s MB; the limit is 5 MB. Scan at a lower resolution.")
                % {"size": f"{upload.size / 1024 / 1024:.1f}".replace(".", ",")},
                code=str(Code.DECISION_FILE_TOO_LARGE),
            )
        ]
    content = upload.read()
    upload.seek(0)
    kind = next(
        (k for signature, k in DECISION_FILE_SIGNATURES.items() if content.startswith(signature)),
        None,
    )
    extension = (upload.name or "").rsplit(".", 1)[-1].lower() if "." in (upload.name or "") else ""
    refused = [
        ValidationError(
            _("The decision must be a PDF, JPEG or PNG file."), code=str(Code.DECISION_FILE_TYPE)
        )
    ]
    # By content and by name, and the two must agree: a page named .pdf, or a PDF named .html,
    # is neither a scan nor safe to hand back to a browser.
    if kind is None or DECISION_FILE_EXTENSIONS.get(extension) != kind:
        return refused
    if HTML_MARKERS.search(content[:MAX_DECISION_FILE_BYTES]):
        return refused
    return []


def id_number_taken(id_number: str, *, exclude_pk: int | None = None) -> Beneficiary | None:
    """The beneficiary anywhere in the database who already has this ID number."""
    if not id_number:
        return None
    qs = Beneficiary.objects.filter(id_number=id_number).select_related("commune")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _duplicate_message(data: RegistrationInput, other: Beneficiary, user) -> str:
    """Who holds the number, for an officer who may see them; else only that someone elsewhere
    does and whom to ask: an import of 20,000 numbers must not map the province's register."""
    if user is not None and user_can_see_unit(user, other.commune):
        return _("ID number %(number)s is already registered for %(name)s (%(commune)s).") % {
            "number": data.id_number,
            "name": other.full_name,
            "commune": other.commune.name,
        }
    return _(
        "ID number %(number)s is already registered in another unit. Ask the district (or "
        "province) social protection office to check it before registering this person."
    ) % {"number": data.id_number}


def registration_errors(
    *,
    data: RegistrationInput,
    today: datetime.date,
    initial_load: bool = False,
    user=None,
    tables: PolicyTables | None = None,
) -> FieldErrors:
    """Every problem with a registration, by field, coded, in Vietnamese (database checks
    included). The start month is bounded (`month_bounds`; older for an initial load). A
    duplicate ID number names the other person only to a `user` whose scope holds them. A caller
    checking many rows (the import) passes the policy `tables` it loaded once."""
    errors = FieldErrors()
    if not data.full_name.strip():
        errors.add("full_name", Code.REQUIRED, _("Enter the full name."))
    if data.sex not in Sex.values:
        errors.add("sex", Code.SEX_INVALID, _("Choose male or female."))
    errors.extend(
        "date_of_birth",
        validation.check_person_dates(date_of_birth=data.date_of_birth, today=today),
    )
    errors.extend("id_number", rules.check_id_number(data.id_number, data.date_of_birth, data.sex))
    if data.id_number and "id_number" not in errors.by_field:
        other = id_number_taken(data.id_number)
        if other is not None:
            errors.add("id_number", Code.ID_NUMBER_TAKEN, _duplicate_message(data, other, user))
    errors.extend("phone", validation.check_phone(data.phone))
    if data.commune.level != UnitLevel.COMMUNE or not data.commune.active:
        errors.add("commune", Code.COMMUNE_INVALID, _("Choose an active commune."))
    if not data.categories:
        errors.add("categories", Code.CATEGORY_REQUIRED, _("Choose at least one category."))
    unknown = [c for c in data.categories if c not in rules.CATEGORY_CODES]
    if unknown:
        errors.add(
            "categories",
            Code.CATEGORY_UNKNOWN,
            _("Unknown category: %(codes)s.") % {"codes": ", ".join(unknown)},
        )
    add_problems(
        errors,
        rules.check_category_requirements(
            list(data.categories),
            disability_level=data.disability_level,
            dependent_children=data.dependent_children,
        ),
    )
    if not errors.by_field.get("categories") and not errors.by_field.get("date_of_birth"):
        errors.extend("categories", category_age_errors(data, tables=tables))
    if not data.decision_number.strip():
        errors.add("decision_number", Code.REQUIRED, _("Enter the number of the decision."))
    errors.extend(
        "decision_date",
        validation.check_decision(
            decision_date=data.decision_date, date_of_birth=data.date_of_birth, today=today
        ),
    )
    errors.extend(
        "start_month",
        validation.check_start_month(
            start_month=data.start_month,
            decision_date=data.decision_date,
            date_of_birth=data.date_of_birth,
        )
        or check_month_bounds(
            data.start_month,
            today=today,
            code=Code.START_MONTH_OUT_OF_RANGE,
            initial_load=initial_load,
        ),
    )
    if data.recipient is not None:
        check_recipient(
            errors, data.recipient, today=today, beneficiary_id_numbers=(data.id_number,)
        )
    if data.account is not None:
        check_account(errors, data.account, has_recipient=data.recipient is not None)
    if data.care is not None:
        check_care(
            errors,
            data.care,
            start_month=data.start_month,
            beneficiary=None,
            categories=data.categories,
            disability_level=data.disability_level if "K6" in data.categories else "",
            person_id_numbers=(data.id_number,),
        )
    return errors


def category_age_errors(
    data: RegistrationInput, *, tables: PolicyTables | None = None
) -> list[ValidationError]:
    """A category whose age conditions the person does not meet in the start month (K5C under
    80, K1 at 16 or over, ...) is a data error the officer must see (`rules.category_age_errors`,
    the same rule a category or disability change runs in its effective month)."""
    return rules.category_age_errors(
        tables=tables if tables is not None else load_policy_tables(),
        categories=data.categories,
        date_of_birth=data.date_of_birth,
        month=data.start_month,
        disability_level=data.disability_level,
        dependent_children=data.dependent_children,
        age_rule=settings.TROCAP_AGE_RULE,
    )


def death_effective_month(date_of_death: datetime.date | None) -> datetime.date | None:
    """The allowance stops from the month after death."""
    return add_months(date_of_death.replace(day=1), 1) if date_of_death else None


def change_errors(
    *, beneficiary: Beneficiary, data: ChangeInput, today: datetime.date
) -> FieldErrors:
    """Every problem with a proposed change, by field, coded, in Vietnamese."""
    errors = FieldErrors()
    if data.kind not in ChangeKind.values or data.kind == ChangeKind.REGISTER:
        errors.add("kind", Code.CHANGE_KIND_INVALID, _("Choose the kind of change."))
        return errors
    if data.reason not in ChangeReason.values:
        errors.add("reason", Code.CHANGE_REASON_INVALID, _("Choose a reason."))
    # Whether this kind applies to this person at all: the same answer the page's menu gives.
    refusal = kind_refusal(PersonFacts.of(beneficiary), data.kind)
    if refusal is not None:
        errors.add("kind", refusal.code, refusal.message)
    _check_death_or_month(errors, beneficiary, data, today=today)
    if data.kind == ChangeKind.STOP and data.reason not in STOP_REASONS:
        errors.add(
            "reason",
            Code.STOP_REASON_INVALID,
            _(
                "A stop needs one of: death, moved away, no longer eligible, refused, "
                "imprisoned, age reached."
            ),
        )
    if data.kind == ChangeKind.CHANGE_CATEGORY:
        _check_category_change(errors, beneficiary, data)
    if data.kind == ChangeKind.CHANGE_DISABILITY:
        if data.new_disability_level not in DisabilityLevel.values:
            errors.add(
                "new_disability_level",
                Code.DISABILITY_LEVEL_INVALID,
                _("Choose the new disability level."),
            )
        elif data.new_disability_level == beneficiary.disability_level:
            errors.add(
                "new_disability_level",
                Code.DISABILITY_LEVEL_UNCHANGED,
                _("This is already the beneficiary's disability level."),
            )
        else:
            check_disability_change(errors, beneficiary, data)
    if (
        data.kind in (ChangeKind.CHANGE_CATEGORY, ChangeKind.CHANGE_DISABILITY)
        and not data.decision_number.strip()
    ):
        errors.add("decision_number", Code.REQUIRED, _("Enter the number of the decision."))
    if data.decision_date:
        errors.extend(
            "decision_date",
            validation.check_decision(
                decision_date=data.decision_date,
                date_of_birth=beneficiary.date_of_birth,
                today=today,
            ),
        )
    if data.kind == ChangeKind.MOVE:
        _check_move(errors, beneficiary, data.new_commune)
    if data.kind == ChangeKind.SET_RECIPIENT:
        if data.recipient is None:
            errors.add(
                "recipient_full_name", Code.REQUIRED, _("Enter the new recipient or guardian.")
            )
        else:
            check_recipient(
                errors,
                data.recipient,
                today=today,
                beneficiary_id_numbers=own_id_numbers(beneficiary),
            )
    if data.kind == ChangeKind.SET_ACCOUNT:
        if data.account is None:
            errors.add("account_number", Code.REQUIRED, _("Enter the new account."))
        else:
            has_recipient = beneficiary.recipients.filter(active=True).exists()
            check_account(errors, data.account, has_recipient=has_recipient)
    if data.kind == ChangeKind.SET_CARE:
        if data.care is None:
            errors.add("care_code", Code.CARE_CODE_INVALID, _("Choose the kind of care support."))
        else:
            check_care_of_person(
                errors, data.care, beneficiary=beneficiary, start_month=data.effective_month
            )
    if data.kind == ChangeKind.END_CARE:
        check_care_end(
            errors,
            beneficiary=beneficiary,
            arrangement_id=data.care_arrangement_id,
            first_month_not_paid=data.effective_month,
        )
    return errors


def _check_death_or_month(
    errors: FieldErrors, beneficiary: Beneficiary, data: ChangeInput, *, today: datetime.date
) -> None:
    """A death needs its date and the funeral support's payee; anything else its month, within
    `month_bounds` (a death is dated by its date: not in the future, not before birth). No
    change takes effect before the allowance started."""
    if data.kind == ChangeKind.STOP and data.reason == ChangeReason.DEATH:
        if data.date_of_death is None:
            errors.add("date_of_death", Code.REQUIRED, _("Enter the date of death."))
        else:
            if data.date_of_death > today:
                errors.add(
                    "date_of_death",
                    Code.DATE_OF_DEATH_FUTURE,
                    _("The date of death is in the future."),
                )
            if data.date_of_death < beneficiary.date_of_birth:
                errors.add(
                    "date_of_death",
                    Code.DATE_OF_DEATH_BEFORE_BIRTH,
                    _("The date of death is before the date of birth."),
                )
        check_funeral_payee(
            errors,
            deceased=beneficiary,
            name=data.funeral_payee_name,
            id_number=data.funeral_payee_id_number,
            relationship=data.funeral_payee_relationship,
            today=today,
        )
    elif data.effective_month is None:
        errors.add("effective_month", Code.REQUIRED, _("Enter the month the change takes effect."))
    else:
        errors.extend(
            "effective_month",
            check_month_bounds(
                data.effective_month,
                today=today,
                code=Code.EFFECTIVE_MONTH_OUT_OF_RANGE,
                change=True,
            ),
        )
    effective = (
        death_effective_month(data.date_of_death)
        if data.reason == ChangeReason.DEATH
        else data.effective_month
    )
    if effective and beneficiary.start_month and effective < beneficiary.start_month:
        errors.add(
            "effective_month",
            Code.EFFECTIVE_BEFORE_START,
            _("The change cannot take effect before the allowance started (%(month)s).")
            % {"month": beneficiary.start_month.strftime("%m/%Y")},
        )


def _check_category_change(
    errors: FieldErrors, beneficiary: Beneficiary, data: ChangeInput
) -> None:
    held = set(beneficiary.categories.filter(active=True).values_list("category__code", flat=True))
    if not data.new_category and not data.old_category:
        errors.add(
            "new_category",
            Code.CATEGORY_REQUIRED,
            _("Choose the new category, or the category that ends."),
        )
    elif data.new_category and data.new_category not in rules.CATEGORY_CODES:
        errors.add("new_category", Code.CATEGORY_UNKNOWN, _("Choose the new category."))
    elif data.new_category in held:
        errors.add(
            "new_category",
            Code.CATEGORY_ALREADY_HELD,
            _("The beneficiary already holds this category."),
        )
    if data.old_category and data.old_category not in held:
        errors.add(
            "old_category",
            Code.CATEGORY_NOT_HELD,
            _("The beneficiary does not hold this category."),
        )
    level = data.new_disability_level or beneficiary.disability_level
    requirements = rules.check_category_requirements(
        [data.new_category] if data.new_category else [],
        disability_level=level,
        dependent_children=beneficiary.dependent_children,
    )
    for name, problems in requirements.items():
        errors.extend(
            "new_disability_level" if name == "disability_level" else "new_category", problems
        )
    if data.new_category and not errors.by_field.get("new_category"):
        # The same rule as at registration, in the month the change takes effect.
        errors.extend(
            "new_category",
            changed_category_errors(beneficiary, [data.new_category], level, data.effective_month),
        )


def _check_move(
    errors: FieldErrors, beneficiary: Beneficiary, new: AdministrativeUnit | None
) -> None:
    if new is None or new.level != UnitLevel.COMMUNE or not new.active:
        errors.add(
            "new_commune",
            Code.NEW_COMMUNE_INVALID,
            _("Choose the commune the beneficiary moves to."),
        )
    elif new.pk == beneficiary.commune_id:
        errors.add(
            "new_commune", Code.SAME_COMMUNE, _("The beneficiary already lives in this commune.")
        )
    elif new.code_version != beneficiary.commune.code_version:
        errors.add(
            "new_commune",
            Code.COMMUNE_OTHER_VERSION,
            _("Choose a commune from the same list of administrative units."),
        )
