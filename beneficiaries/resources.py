"""The register as a django-import-export resource: one row of the import contract (DESIGN.md §5)
is one registration, and one beneficiary exports back to the same columns.

Import (`RegistrationResource.import_data`, fed by `import_file.read_dataset`):

- each column's widget reads its cell (dates, months, M/F, digits that lost their zeros) and
  refuses what it cannot read with a message and a code (`CellError`), collected by
  `import_instance` for the whole row;
- `validate_instance` is the row validation: the same ID twice in the file, the recipient and
  account columns together, then `checks.registration_errors` (every rule registration uses);
  a bad row becomes an invalid row of the Result, keyed by column, each error with its code;
- `save_instance` only keeps the row: the rows are written by `after_import`, all of them in the
  import's transaction, and only when no row is bad and it is not a dry run (`registration_write`;
  for the initial load, `initial_load_check` first and the audit log after).

Export (`export_resource(beneficiary)`, the library's): the same fields dehydrate a Beneficiary
(identifiers as the reader may see them; prefetch its active categories, recipients and
accounts); the writer (`beneficiaries.exporting`) is separate.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader

from accounts.models import AccountHolder
from beneficiaries import validation
from beneficiaries.care_columns import CareColumnsMixin
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import Beneficiary, ChangeSource, RecipientKind
from beneficiaries.policy_tables import load_policy_tables
from beneficiaries.services.checks import registration_errors
from beneficiaries.services.import_file import (
    COLUMNS,
    REQUIRED,
    ROW_COLUMN,
    _digits_cell,
    _text,
    choice_code,
    column_for,
    is_formula,
    parse_date,
    parse_disability,
    parse_gender,
    parse_month,
    parse_recipient_kind,
)
from beneficiaries.services.inputs import AccountInput, RecipientInput, RegistrationInput
from beneficiaries.services.registration import (
    initial_load_check,
    initial_load_logged,
    registration_write,
)
from org.privacy import Identifiers
from org.text import search_key
from providers.models import ProviderCode

Progress = Callable[[int, int], None]
# What an officer may write for a provider or a holder besides the code.
PROVIDER_NAMES = {
    "viettel pay": ProviderCode.VIETTELPAY,
    "viettel money": ProviderCode.VIETTELPAY,
    "viettel pay (viettel money)": ProviderCode.VIETTELPAY,
    "vietinbank": ProviderCode.VIETINBANK,
}
HOLDER_WORDS = {
    "doi tuong": AccountHolder.BENEFICIARY,
    "nguoi nhan thay": AccountHolder.RECIPIENT,
    "nguoi nhan thay / giam ho": AccountHolder.RECIPIENT,
    "nguoi giam ho": AccountHolder.RECIPIENT,
}


class CellError(ValueError):
    """A cell that cannot be read: the message for the officer and its code."""

    def __init__(self, message: str, code: Code = Code.IMPORT_BAD_VALUE) -> None:
        super().__init__(message)
        self.message, self.code = message, code


class Cell(widgets.Widget):
    """A text cell; `required` cells may not be empty. Subclasses read one kind of value."""

    def __init__(self, required: bool = False) -> None:
        super().__init__(coerce_to_string=False)
        self.required = required

    def clean(self, value, row=None, **kwargs):
        refuse_formula(value)
        if _text(value) == "":
            if self.required:
                raise CellError(_("This column is required."), Code.REQUIRED)
            return self.empty()
        return self.read(value)

    def empty(self):
        return ""

    def read(self, value):
        return _text(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


def refuse_formula(value) -> None:
    if is_formula(value):
        raise CellError(
            _("This cell holds a formula; type (or paste as values) the value itself."),
            Code.IMPORT_FORMULA,
        )


class DateCell(Cell):
    def empty(self):
        return None

    def read(self, value):
        try:
            return parse_date(value)
        except (ValueError, OverflowError) as exc:
            raise CellError(_("Write the date as YYYY-MM-DD or DD/MM/YYYY.")) from exc


class MonthCell(Cell):
    def empty(self):
        return None

    def read(self, value):
        try:
            return parse_month(value)
        except (ValueError, OverflowError) as exc:
            raise CellError(_("Write the month as YYYY-MM.")) from exc


class GenderCell(Cell):
    def read(self, value):
        try:
            return parse_gender(value)
        except ValueError as exc:
            raise CellError(_("Write M or F (or Nam / Nữ).")) from exc


class DisabilityCell(Cell):
    def read(self, value):
        try:
            return parse_disability(value)
        except ValueError as exc:
            raise CellError(_("Write severe or extremely_severe (nặng / đặc biệt nặng).")) from exc


class ChoiceCell(Cell):
    """A drop-down column read by its code: "VIETTELPAY — Viettel Pay" is VIETTELPAY."""

    def read(self, value):
        return choice_code(value)


class RecipientKindCell(Cell):
    def read(self, value):
        return parse_recipient_kind(value)


class ChildrenCell(Cell):
    def empty(self):
        return None

    def read(self, value):
        text = _text(value)
        if not (text.isascii() and text.isdigit()) or len(text) > 3:
            raise CellError(_("Write a whole number."))
        return int(text)


class DigitsCell(Cell):
    """ID numbers and phones: leading zeros a spreadsheet dropped are put back; fullwidth and
    invisible characters normalised (`validation`), the rules check what is left."""

    def __init__(self, width: int, normalize: Callable[[str], str]) -> None:
        super().__init__()
        self.width, self.normalize = width, normalize

    def empty(self):
        return ""

    def clean(self, value, row=None, **kwargs):
        refuse_formula(value)
        return self.normalize(_digits_cell(value, self.width))


class CategoriesCell(Cell):
    def empty(self):
        return ()

    def read(self, value):
        """Codes separated by ; or , ("K5C;K6"), or the drop-down's "K1 — name" (whose name may
        hold a comma), one or several."""
        codes = []
        for part in _text(value).split(";"):
            code = choice_code(part)
            codes.extend([code] if code != part.strip() else code.split(","))
        return tuple(c.strip().upper() for c in codes if c.strip())


class CommuneCell(Cell):
    """A GSO commune code, among the communes the importing user may use."""

    def __init__(self) -> None:
        super().__init__(required=True)
        self.communes: dict[str, object] = {}

    def empty(self):
        return None

    def read(self, value):
        code = choice_code(value)
        commune = self.communes.get(code.zfill(5))
        if commune is None:
            raise CellError(
                _("Commune %(code)s does not exist or is outside your area.") % {"code": code[:20]},
                Code.COMMUNE_INVALID,
            )
        return commune


def _id_cell() -> DigitsCell:
    return DigitsCell(12, validation.normalize_id_number)


def _phone_cell() -> DigitsCell:
    return DigitsCell(10, validation.normalize_phone)


def _field(column: str, widget: Cell | None = None) -> fields.Field:
    return fields.Field(
        attribute=column,
        column_name=column,
        widget=widget or Cell(required=column in REQUIRED),
    )


class RegistrationRow:
    """What one row of the file becomes: its cells as read, then the RegistrationInput."""

    def __init__(self, number: int, empty: dict[str, object]) -> None:
        self.number = number
        self.pk = None
        self.data: RegistrationInput | None = None
        # A cell that is absent or cannot be read keeps its column's empty value.
        for column, value in empty.items():
            setattr(self, column, value)

    def __str__(self) -> str:
        return str(self.number)


class RegistrationResource(CareColumnsMixin, resources.Resource):
    """The import contract of DESIGN.md §5, row by row. Construct it for one import (`user`,
    the communes they may use, `today`, `initial_load`), then call `import_data`."""

    external_id = _field("external_id")
    full_name = _field("full_name")
    date_of_birth = _field("date_of_birth", DateCell(required=True))
    gender = _field("gender", GenderCell(required=True))
    ethnicity = _field("ethnicity")
    id_number = _field("id_number", _id_cell())
    phone = _field("phone", _phone_cell())
    commune_code = _field("commune_code", CommuneCell())
    address = _field("address")
    category = _field("category", CategoriesCell(required=True))
    disability_level = _field("disability_level", DisabilityCell())
    dependent_children = _field("dependent_children", ChildrenCell())
    decision_number = _field("decision_number")
    decision_date = _field("decision_date", DateCell(required=True))
    start_month = _field("start_month", MonthCell(required=True))
    recipient_kind = _field("recipient_kind", RecipientKindCell())
    recipient_full_name = _field("recipient_full_name")
    recipient_id_number = _field("recipient_id_number", _id_cell())
    recipient_relationship = _field("recipient_relationship")
    recipient_phone = _field("recipient_phone", _phone_cell())
    account_provider = _field("account_provider", ChoiceCell())
    account_number = _field("account_number")
    account_holder = _field("account_holder", ChoiceCell())
    care_code = _field("care_code", ChoiceCell())
    carer_full_name = _field("carer_full_name")
    carer_id_number = _field("carer_id_number", _id_cell())
    carer_relationship = _field("carer_relationship")
    carer_phone = _field("carer_phone", _phone_cell())

    class Meta:
        fields = COLUMNS
        import_order = COLUMNS
        export_order = COLUMNS
        force_init_instance = True
        instance_loader_class = BaseInstanceLoader
        skip_diff = True
        use_transactions = True

    def __init__(
        self,
        *,
        user,
        communes: dict[str, object],
        today: datetime.date,
        initial_load: bool = False,
        file_name: str = "",
        progress: Progress | None = None,
        identifiers: Identifiers | None = None,
    ) -> None:
        super().__init__()
        self.user, self.today, self.initial_load = user, today, initial_load
        self.file_name, self.progress, self.identifiers = file_name, progress, identifiers
        self.fields["commune_code"].widget.communes = communes
        self.seen_ids: dict[str, int] = {}
        self.rows: list[RegistrationRow] = []
        self.total = self.checked = self.imported = 0
        self.tables = None

    # --- import ---------------------------------------------------------------------------

    def before_import(self, dataset, **kwargs) -> None:
        self.seen_ids, self.rows = {}, []
        self.total, self.checked, self.imported = len(dataset), 0, 0
        # Once per file, not per row: the rules of every row read the same approved tables.
        self.tables = load_policy_tables()
        if self.progress is not None:  # inside the import's transaction: the job is ours
            self.progress(0, self.total)

    def init_instance(self, row=None) -> RegistrationRow:
        return RegistrationRow(
            int(row[ROW_COLUMN]),
            {name: field.widget.empty() for name, field in self.fields.items()},
        )

    def import_instance(self, instance, row, **kwargs) -> None:
        """Every cell of the row is read; every cell that cannot be, reported with its code."""
        errors: dict[str, list[ValidationError]] = {}
        for field in self.get_import_fields():
            try:
                self.import_field(field, instance, row, **kwargs)
            except CellError as exc:
                errors.setdefault(field.column_name, []).append(
                    ValidationError(exc.message, code=str(exc.code))
                )
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The row validation: a duplicate in the file, the recipient and account columns, then
        `registration_errors` (the rules every door shares), all keyed by column."""
        errors: dict[str, list[ValidationError]] = {
            column: list(e.error_list) if isinstance(e, ValidationError) else list(e)
            for column, e in (import_validation_errors or {}).items()
        }

        def bad(column: str, message: str, code: Code = Code.IMPORT_BAD_VALUE) -> None:
            errors.setdefault(column, []).append(ValidationError(message, code=str(code)))

        row = instance
        if row.id_number:
            if row.id_number in self.seen_ids:
                bad(
                    "id_number",
                    _("The same ID number is also on row %(row)s of this file.")
                    % {"row": self.seen_ids[row.id_number]},
                    Code.IMPORT_DUPLICATE_ID,
                )
            else:
                self.seen_ids[row.id_number] = row.number
        recipient = self._recipient(row)
        account = self._account(row, recipient, bad)
        care = self._care(row, bad)
        if not errors:
            row.data = RegistrationInput(
                external_id=row.external_id,
                full_name=row.full_name,
                date_of_birth=row.date_of_birth,
                sex=row.gender,
                ethnicity=row.ethnicity or "Kinh",
                id_number=row.id_number,
                phone=row.phone,
                commune=row.commune_code,
                address=row.address,
                categories=row.category,
                disability_level=row.disability_level,
                dependent_children=row.dependent_children,
                decision_number=row.decision_number,
                decision_date=row.decision_date,
                start_month=row.start_month,
                recipient=recipient,
                account=account,
                care=care,
            )
            problems = registration_errors(
                data=row.data,
                today=self.today,
                initial_load=self.initial_load,
                user=self.user,
                tables=self.tables,
            )
            for field_name, field_errors in problems.by_field.items():
                for problem in field_errors:
                    for message in problem.messages:
                        bad(column_for(field_name), message, problem.code)
        self.checked += 1
        if self.progress is not None and self.checked % 200 == 0:
            self.progress(self.checked, self.total)
        if errors:
            raise ValidationError(errors)

    def _recipient(self, row: RegistrationRow) -> RecipientInput | None:
        """The recipient columns as the form's recipient: a kind alone is a recipient still to
        be named (the rulebook says so); no kind is a guardian for a child, else authorized."""
        others = (row.recipient_id_number, row.recipient_relationship, row.recipient_phone)
        if not row.recipient_kind and not row.recipient_full_name and not any(others):
            return None
        dob, start = row.date_of_birth, row.start_month
        is_child = dob is not None and start is not None and (start.year - dob.year) < 16
        return RecipientInput(
            kind=row.recipient_kind
            or (RecipientKind.GUARDIAN if is_child else RecipientKind.AUTHORIZED),
            full_name=row.recipient_full_name,
            id_number=row.recipient_id_number,
            relationship=row.recipient_relationship,
            phone=row.recipient_phone,
        )

    def _account(self, row: RegistrationRow, recipient, bad) -> AccountInput | None:
        provider = PROVIDER_NAMES.get(search_key(row.account_provider)) or (
            row.account_provider.upper().replace(" ", "")
        )
        number = row.account_number
        if not provider and not number:
            return None
        if provider not in (ProviderCode.VIETTELPAY, ProviderCode.VIETINBANK):
            bad(
                "account_provider",
                _("Write VIETTELPAY or VIETINBANK, or leave both account columns empty."),
                Code.PROVIDER_INVALID,
            )
        holder = search_key(row.account_holder) or (
            AccountHolder.RECIPIENT if recipient else AccountHolder.BENEFICIARY
        )
        holder = HOLDER_WORDS.get(holder, holder)
        if holder not in AccountHolder.values:
            bad("account_holder", _("Write beneficiary or recipient."), Code.ACCOUNT_HOLDER_INVALID)
        if provider == ProviderCode.VIETTELPAY:
            number = validation.normalize_phone(_digits_cell(number, 10))
        return AccountInput(provider_code=provider, account_number=number, holder=holder)

    def save_instance(self, instance, is_create, row, **kwargs) -> None:
        """Nothing is written row by row: `after_import` writes the file whole, or nothing."""
        self.rows.append(instance)

    def after_import(self, dataset, result, **kwargs) -> None:
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        if not self.rows:
            return
        communes = {row.data.commune for row in self.rows}
        if self.initial_load:
            initial_load_check(user=self.user, communes=communes)
        for done, row in enumerate(self.rows, start=1):
            registration_write(
                data=row.data,
                maker=self.user,
                submit=True,
                decision_file=None,
                source=ChangeSource.IMPORT,
                initial_load=self.initial_load,
            )
            self.imported += 1
            if self.progress is not None and done % 200 == 0:
                self.progress(done, len(self.rows))
        if self.initial_load:
            initial_load_logged(
                user=self.user,
                communes=[row.data.commune for row in self.rows],
                name=self.file_name,
            )

    def handle_import_error(self, result, error, raise_errors=False):
        """A refusal or failure of the file as a whole (not of a row) is raised as it is: the
        caller reports it (an AppError keeps its code), and the transaction is rolled back."""
        raise error

    # --- export ---------------------------------------------------------------------------

    def _masked(self, kind: str, value: str) -> str:
        if not value:
            return ""
        return getattr(self.identifiers, kind)(value) if self.identifiers else value

    def dehydrate_date_of_birth(self, b: Beneficiary) -> str:
        return b.date_of_birth.isoformat()

    def dehydrate_gender(self, b: Beneficiary) -> str:
        return b.sex

    def dehydrate_id_number(self, b: Beneficiary) -> str:
        return self._masked("id_number", b.id_number)

    def dehydrate_phone(self, b: Beneficiary) -> str:
        return self._masked("phone", b.phone)

    def dehydrate_commune_code(self, b: Beneficiary) -> str:
        return b.commune.code

    def dehydrate_category(self, b: Beneficiary) -> str:
        return ";".join(c.category.code for c in b.active_categories)

    def dehydrate_dependent_children(self, b: Beneficiary):
        return b.dependent_children if b.dependent_children is not None else ""

    def dehydrate_decision_number(self, b: Beneficiary) -> str:
        return b.active_categories[0].decision_number if b.active_categories else ""

    def dehydrate_decision_date(self, b: Beneficiary) -> str:
        return b.active_categories[0].decision_date.isoformat() if b.active_categories else ""

    def dehydrate_start_month(self, b: Beneficiary) -> str:
        return b.start_month.strftime("%Y-%m") if b.start_month else ""

    def _recipient_of(self, b: Beneficiary):
        return b.active_recipients[0] if b.active_recipients else None

    def dehydrate_recipient_kind(self, b: Beneficiary) -> str:
        r = self._recipient_of(b)
        return r.kind if r else ""

    def dehydrate_recipient_full_name(self, b: Beneficiary) -> str:
        r = self._recipient_of(b)
        return r.full_name if r else ""

    def dehydrate_recipient_id_number(self, b: Beneficiary) -> str:
        r = self._recipient_of(b)
        return self._masked("id_number", r.id_number) if r else ""

    def dehydrate_recipient_relationship(self, b: Beneficiary) -> str:
        r = self._recipient_of(b)
        return r.relationship if r else ""

    def dehydrate_recipient_phone(self, b: Beneficiary) -> str:
        r = self._recipient_of(b)
        return self._masked("phone", r.phone) if r else ""

    def _account_of(self, b: Beneficiary):
        return b.active_accounts[0] if b.active_accounts else None

    def dehydrate_account_provider(self, b: Beneficiary) -> str:
        a = self._account_of(b)
        return a.provider.code if a else ""

    def dehydrate_account_number(self, b: Beneficiary) -> str:
        a = self._account_of(b)
        return self._masked("account", a.account_number) if a else ""

    def dehydrate_account_holder(self, b: Beneficiary) -> str:
        a = self._account_of(b)
        return a.holder if a else ""
