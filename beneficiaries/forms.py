"""Forms of the register. They parse input; the services decide what is valid and save."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountHolder
from beneficiaries import validation
from beneficiaries.models import (
    BeneficiaryStatus,
    CareCode,
    CareStatus,
    CareVariant,
    Category,
    CategoryKind,
    ChangeKind,
    ChangeReason,
    DisabilityLevel,
    RecipientKind,
    Sex,
)
from beneficiaries.services.inputs import (
    AccountInput,
    CareInput,
    ChangeInput,
    RecipientInput,
    RegistrationInput,
)
from core.reference_text import translated
from org.models import AdministrativeUnit

MONTH_INPUT = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
DATE_INPUT = forms.DateInput(
    attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}, format="%d/%m/%Y"
)


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (the browser's month picker) or MM/YYYY; stored as its first day."""

    widget = MONTH_INPUT
    input_formats = ["%Y-%m", "%m/%Y", "%Y-%m-%d"]
    default_error_messages = {"invalid": _("Enter a month as MM/YYYY.")}

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class VNDateField(forms.DateField):
    widget = DATE_INPUT
    input_formats = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"]
    default_error_messages = {"invalid": _("Enter a date as dd/mm/yyyy.")}


def category_choices():
    return [
        (c.code, str(c))
        for c in Category.objects.filter(kind=CategoryKind.ALLOWANCE).order_by("sort_order")
    ]


class ServiceErrorsMixin:
    """Put the field -> messages of a service's ValidationError next to the fields."""

    def add_service_errors(self, error: ValidationError) -> None:
        # The service's errors keep their codes (form.errors.as_data()): the same rule gives
        # the same code on the page as on every other door.
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                target = name if name in self.fields else None
                for problem in errors:
                    for message in problem.messages:
                        self.add_error(target, ValidationError(message, code=problem.code))
        else:
            for problem in error.error_list:
                for message in problem.messages:
                    self.add_error(None, ValidationError(message, code=problem.code))


CARE_FIELDS = (
    "care_code",
    "care_variant",
    "carer_full_name",
    "carer_id_number",
    "carer_date_of_birth",
    "carer_relationship",
    "carer_phone",
    "care_account_provider",
    "care_account_number",
    "care_end_month",
)


class CareFieldsForm(forms.Form):
    """A care arrangement's fields (Decree 20 Art. 20), shared by the registration's optional
    care section and the SET_CARE change. The services check them (rules/care.py)."""

    care_code = forms.ChoiceField(
        label=_("Care support"), choices=[("", "—"), *CareCode.choices], required=False
    )
    care_variant = forms.ChoiceField(
        label=_("Disabled parent: which case"), choices=CareVariant.choices, required=False
    )
    carer_full_name = forms.CharField(label=_("Carer's full name"), max_length=120, required=False)
    carer_id_number = forms.CharField(
        label=_("Carer's personal ID number"), max_length=20, required=False
    )
    carer_date_of_birth = VNDateField(
        label=_("Carer's date of birth"),
        required=False,
        help_text=_("Needed when the carer turns 18 in the year the support starts."),
    )
    carer_relationship = forms.CharField(
        label=_("Carer's relationship to the person"), max_length=60, required=False
    )
    carer_phone = forms.CharField(label=_("Carer's mobile phone"), max_length=20, required=False)
    care_account_provider = forms.ChoiceField(
        label=_("Carer's account"),
        choices=[
            ("", _("No account: cash through the post office")),
            ("VIETTELPAY", "Viettel Pay"),
            ("VIETINBANK", "VietinBank"),
        ],
        required=False,
    )
    care_account_number = forms.CharField(
        label=_("Carer's account or wallet number"), max_length=32, required=False
    )
    care_end_month = MonthField(
        label=_("Care support paid until (month)"),
        required=False,
        help_text=_("Required for a disabled parent's support; otherwise empty while it runs."),
    )

    def clean_carer_id_number(self):
        return validation.normalize_id_number(self.cleaned_data["carer_id_number"])

    def clean_carer_phone(self):
        return validation.normalize_phone(self.cleaned_data["carer_phone"])

    def care_input(self) -> CareInput | None:
        d = self.cleaned_data
        if not d.get("care_code"):
            return None
        return CareInput(
            code=d["care_code"],
            variant=d.get("care_variant") or "",
            carer_full_name=d.get("carer_full_name") or "",
            carer_id_number=d.get("carer_id_number") or "",
            carer_date_of_birth=d.get("carer_date_of_birth"),
            carer_relationship=d.get("carer_relationship") or "",
            carer_phone=d.get("carer_phone") or "",
            account_provider=d.get("care_account_provider") or "",
            account_number=d.get("care_account_number") or "",
            end_month=d.get("care_end_month"),
        )

    def clean_care_section(self, data) -> None:
        """Carer fields with no care support chosen: say so rather than drop them."""
        filled = any(data.get(name) for name in CARE_FIELDS if name != "care_code")
        if filled and not data.get("care_code"):
            self.add_error(
                "care_code", _("Choose the care support, or clear the care arrangement fields.")
            )


class RegistrationForm(ServiceErrorsMixin, CareFieldsForm):
    # The person
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    date_of_birth = VNDateField(label=_("Date of birth"))
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=40, initial="Kinh")
    id_number = forms.CharField(
        label=_("Personal ID number"),
        max_length=20,
        required=False,
        help_text=_(
            "12 digits on the CCCD card. The 4th digit and the year must match sex and "
            "date of birth."
        ),
    )
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=AdministrativeUnit.objects.none())
    address = forms.CharField(label=_("Address (village, street)"), max_length=255, required=False)
    # Categories and decision
    categories = forms.MultipleChoiceField(
        label=_("Categories"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    disability_level = forms.ChoiceField(
        label=_("Disability level (K6)"),
        choices=[("", "—"), *DisabilityLevel.choices],
        required=False,
    )
    dependent_children = forms.IntegerField(
        label=_("Children being raised (K4)"), min_value=0, max_value=20, required=False
    )
    decision_number = forms.CharField(label=_("Decision number"), max_length=60)
    decision_date = VNDateField(label=_("Decision date"))
    start_month = MonthField(label=_("Paid from (month)"))
    decision_file = forms.FileField(
        label=_("Scanned decision (PDF, JPEG or PNG, at most 5 MB)"), required=False
    )
    # Recipient or guardian (optional)
    recipient_kind = forms.ChoiceField(
        label=_("Paid through"),
        choices=[("", _("The beneficiary personally")), *RecipientKind.choices],
        required=False,
    )
    recipient_full_name = forms.CharField(
        label=_("Recipient's full name"), max_length=120, required=False
    )
    recipient_id_number = forms.CharField(
        label=_("Recipient's ID number"), max_length=20, required=False
    )
    recipient_relationship = forms.CharField(label=_("Relationship"), max_length=60, required=False)
    recipient_phone = forms.CharField(
        label=_("Recipient's mobile phone"), max_length=20, required=False
    )
    # Account (optional)
    account_provider = forms.ChoiceField(
        label=_("Account"),
        choices=[
            ("", _("No account: cash through the post office")),
            ("VIETTELPAY", "Viettel Pay"),
            ("VIETINBANK", "VietinBank"),
        ],
        required=False,
    )
    account_number = forms.CharField(
        label=_("Account or wallet number"),
        max_length=32,
        required=False,
        help_text=_("For Viettel Pay: the holder's Viettel mobile number."),
    )
    account_holder = forms.ChoiceField(
        label=_("Account holder"),
        choices=AccountHolder.choices,
        required=False,
        initial=AccountHolder.BENEFICIARY,
    )

    def __init__(self, *args, communes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = category_choices()
        self.fields["commune"].queryset = (
            communes if communes is not None else AdministrativeUnit.objects.none()
        )
        if communes is not None and len(communes) == 1:
            self.fields["commune"].initial = communes[0]
        for name in CARE_FIELDS:  # the optional care section comes last
            self.fields[name] = self.fields.pop(name)

    def clean_id_number(self):
        return validation.normalize_id_number(self.cleaned_data["id_number"])

    def clean_phone(self):
        return validation.normalize_phone(self.cleaned_data["phone"])

    def clean_recipient_phone(self):
        return validation.normalize_phone(self.cleaned_data["recipient_phone"])

    def clean_recipient_id_number(self):
        return validation.normalize_id_number(self.cleaned_data["recipient_id_number"])

    def clean_account_number(self):
        number = self.cleaned_data["account_number"].strip()
        if self.cleaned_data.get("account_provider") == "VIETTELPAY":
            return validation.normalize_phone(number)
        return number.replace(" ", "")

    def clean(self):
        data = super().clean()
        has_recipient_fields = any(
            data.get(f"recipient_{name}")
            for name in ("full_name", "id_number", "relationship", "phone")
        )
        if has_recipient_fields and not data.get("recipient_kind"):
            self.add_error(
                "recipient_kind",
                _("Choose authorized recipient or guardian, or clear the recipient fields."),
            )
        if data.get("account_number") and not data.get("account_provider"):
            self.add_error("account_provider", _("Choose the provider of this account."))
        if data.get("account_provider") and not data.get("account_number"):
            self.add_error("account_number", _("Enter the account or wallet number."))
        self.clean_care_section(data)
        return data

    def to_input(self) -> RegistrationInput:
        d = self.cleaned_data
        recipient = None
        if d.get("recipient_kind"):
            recipient = RecipientInput(
                kind=d["recipient_kind"],
                full_name=d["recipient_full_name"],
                id_number=d["recipient_id_number"],
                relationship=d["recipient_relationship"],
                phone=d["recipient_phone"],
            )
        account = None
        if d.get("account_provider"):
            account = AccountInput(
                provider_code=d["account_provider"],
                account_number=d["account_number"],
                holder=d.get("account_holder") or AccountHolder.BENEFICIARY,
            )
        return RegistrationInput(
            full_name=d["full_name"],
            date_of_birth=d["date_of_birth"],
            sex=d["sex"],
            ethnicity=d["ethnicity"],
            id_number=d["id_number"],
            phone=d["phone"],
            commune=d["commune"],
            address=d["address"],
            categories=tuple(d["categories"]),
            disability_level=d["disability_level"],
            dependent_children=d["dependent_children"],
            decision_number=d["decision_number"],
            decision_date=d["decision_date"],
            start_month=d["start_month"],
            recipient=recipient,
            account=account,
            care=self.care_input(),
        )


CHANGE_REASONS = {
    ChangeKind.STOP: [
        ChangeReason.DEATH,
        ChangeReason.MOVED_AWAY,
        ChangeReason.NOT_ELIGIBLE,
        ChangeReason.REFUSED,
        ChangeReason.IMPRISONED,
    ],
    ChangeKind.SUSPEND: [ChangeReason.NOT_COLLECTED, ChangeReason.IMPRISONED, ChangeReason.OTHER],
    ChangeKind.RESUME: [ChangeReason.OTHER],
    ChangeKind.CHANGE_CATEGORY: [ChangeReason.NEW_DECISION, ChangeReason.AGE],
    ChangeKind.CHANGE_DISABILITY: [ChangeReason.NEW_DECISION],
    ChangeKind.MOVE: [ChangeReason.MOVED_AWAY],
    ChangeKind.SET_RECIPIENT: [ChangeReason.NEW_DECISION, ChangeReason.OTHER],
    ChangeKind.REMOVE_RECIPIENT: [ChangeReason.OTHER],
    ChangeKind.SET_ACCOUNT: [ChangeReason.OTHER],
    ChangeKind.CLOSE_ACCOUNT: [ChangeReason.OTHER],
    ChangeKind.SET_CARE: [ChangeReason.NEW_DECISION],
    ChangeKind.END_CARE: [ChangeReason.NEW_DECISION, ChangeReason.OTHER],
}

# Fields each kind of change shows, besides reason, details, month and decision.
CHANGE_FIELDS = {
    ChangeKind.STOP: [
        "date_of_death",
        "funeral_payee_name",
        "funeral_payee_id_number",
        "funeral_payee_relationship",
    ],
    ChangeKind.SUSPEND: [],
    ChangeKind.RESUME: [],
    ChangeKind.CHANGE_CATEGORY: ["old_category", "new_category", "new_disability_level"],
    ChangeKind.CHANGE_DISABILITY: ["new_disability_level"],
    ChangeKind.MOVE: ["new_commune"],
    ChangeKind.SET_RECIPIENT: [
        "recipient_kind",
        "recipient_full_name",
        "recipient_id_number",
        "recipient_relationship",
        "recipient_phone",
    ],
    ChangeKind.REMOVE_RECIPIENT: [],
    ChangeKind.SET_ACCOUNT: ["account_provider", "account_number", "account_holder"],
    ChangeKind.CLOSE_ACCOUNT: [],
    ChangeKind.SET_CARE: list(CARE_FIELDS),
    ChangeKind.END_CARE: ["care_arrangement"],
}


class ChangeForm(ServiceErrorsMixin, CareFieldsForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=())
    effective_month = MonthField(label=_("Takes effect from (month)"), required=False)
    reason_detail = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    decision_number = forms.CharField(label=_("Decision number"), max_length=60, required=False)
    decision_date = VNDateField(label=_("Decision date"), required=False)
    decision_file = forms.FileField(
        label=_("Scanned decision (PDF, JPEG or PNG, at most 5 MB)"), required=False
    )
    date_of_death = VNDateField(label=_("Date of death"), required=False)
    funeral_payee_name = forms.CharField(
        label=_("Funeral support paid to"), max_length=120, required=False
    )
    funeral_payee_id_number = forms.CharField(
        label=_("Their ID number"), max_length=20, required=False
    )
    funeral_payee_relationship = forms.CharField(
        label=_("Relationship to the deceased"), max_length=60, required=False
    )
    old_category = forms.ChoiceField(label=_("Category that ends"), required=False, choices=())
    new_category = forms.ChoiceField(label=_("New category"), required=False, choices=())
    new_disability_level = forms.ChoiceField(
        label=_("New disability level"),
        choices=[("", "—"), *DisabilityLevel.choices],
        required=False,
    )
    new_commune = forms.ModelChoiceField(
        label=_("Moves to commune"), queryset=AdministrativeUnit.objects.none(), required=False
    )
    recipient_kind = forms.ChoiceField(
        label=_("Kind"), choices=RecipientKind.choices, required=False
    )
    recipient_full_name = forms.CharField(label=_("Full name"), max_length=120, required=False)
    recipient_id_number = forms.CharField(label=_("ID number"), max_length=20, required=False)
    recipient_relationship = forms.CharField(label=_("Relationship"), max_length=60, required=False)
    recipient_phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    account_provider = forms.ChoiceField(
        label=_("Provider"),
        choices=[("VIETTELPAY", "Viettel Pay"), ("VIETINBANK", "VietinBank")],
        required=False,
    )
    account_number = forms.CharField(
        label=_("Account or wallet number"), max_length=32, required=False
    )
    account_holder = forms.ChoiceField(
        label=_("Account holder"), choices=AccountHolder.choices, required=False
    )
    care_arrangement = forms.TypedChoiceField(
        label=_("Care arrangement that ends"), choices=(), coerce=int, required=False
    )

    COMMON = (
        "reason",
        "effective_month",
        "reason_detail",
        "decision_number",
        "decision_date",
        "decision_file",
    )

    def __init__(self, *args, kind: str, beneficiary, communes=None, death=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        # A stop is either a death (its date, the funeral support's payee; the month is the one
        # after the death) or another reason (a month; no death fields): two forms, no script.
        self.death = kind == ChangeKind.STOP and death
        fields = CHANGE_FIELDS[kind]
        common = self.COMMON
        if kind == ChangeKind.STOP and not self.death:
            fields = []
        if self.death:
            common = tuple(name for name in common if name != "effective_month")
        keep = set(common) | set(fields)
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.order_fields(["reason", *fields, *common[1:]])
        reasons = CHANGE_REASONS[kind]
        if kind == ChangeKind.STOP:
            reasons = [r for r in reasons if (r == ChangeReason.DEATH) == self.death]
        self.fields["reason"].choices = [(r.value, r.label) for r in reasons]
        if self.death:
            self.fields["reason"].initial = ChangeReason.DEATH
            self.fields["date_of_death"].help_text = _(
                "The allowance stops from the month after the death."
            )
        if "old_category" in self.fields:
            held = beneficiary.categories.filter(active=True).select_related("category")
            self.fields["old_category"].choices = [("", "—")] + [
                (row.category.code, str(row.category)) for row in held
            ]
            self.fields["new_category"].choices = [("", "—"), *category_choices()]
        if "new_commune" in self.fields and communes is not None:
            self.fields["new_commune"].queryset = communes
        if kind == ChangeKind.SET_CARE:
            self.fields["care_code"].required = True
            self.fields["effective_month"].label = _("Care support paid from (month)")
            # As the decision reads: what, who cares, from and until when, the variant (only
            # for a parent with a disability), the carer's account, then the decision.
            self.order_fields(
                [
                    "reason",
                    "care_code",
                    "carer_full_name",
                    "carer_id_number",
                    "carer_date_of_birth",
                    "carer_relationship",
                    "carer_phone",
                    "effective_month",
                    "care_end_month",
                    "care_variant",
                    "care_account_provider",
                    "care_account_number",
                    *common[2:],
                ]
            )
        if kind == ChangeKind.END_CARE:
            self.fields["care_arrangement"].required = True
            self.fields["care_arrangement"].choices = [
                (
                    row.pk,
                    _("%(code)s – %(carer)s, from %(month)s")
                    % {
                        "code": row.get_code_display(),
                        "carer": row.carer_full_name or beneficiary.full_name,
                        "month": row.start_month.strftime("%m/%Y"),
                    },
                )
                for row in beneficiary.care_arrangements.filter(status=CareStatus.ACTIVE)
            ]
            self.fields["effective_month"].label = _("First month no longer paid")

        self.current_recipient = None
        if self.death:
            self._offer_current_recipient(beneficiary)

    def _offer_current_recipient(self, beneficiary) -> None:
        """A death: offer the current recipient or guardian as the funeral support's payee (a
        server-rendered choice: the page runs no inline script)."""
        current = beneficiary.recipients.filter(active=True).first()
        if current is None:
            return
        self.current_recipient = current
        self.fields["funeral_payee_from"] = forms.ChoiceField(
            label=_("Who receives the funeral support"),
            choices=[
                (
                    "recipient",
                    _("The current %(kind)s: %(name)s (%(relationship)s)")
                    % {
                        "kind": current.get_kind_display().lower(),
                        "name": current.full_name,
                        "relationship": current.relationship,
                    },
                ),
                ("other", _("Another person (enter below)")),
            ],
            required=False,
            widget=forms.RadioSelect,
            initial="recipient",  # prefilled: the person who collects for them usually does
        )
        self.fields["funeral_payee_name"].initial = current.full_name
        self.fields["funeral_payee_id_number"].initial = current.id_number
        self.fields["funeral_payee_relationship"].initial = current.relationship
        self.order_fields(["reason", "date_of_death", "funeral_payee_from"])

    def clean(self):
        data = super().clean()
        if data.get("funeral_payee_from") == "recipient" and self.current_recipient:
            recipient = self.current_recipient
            typed = " ".join((data.get("funeral_payee_name") or "").split())
            if typed and typed != recipient.full_name:
                # Never overwrite a person the officer typed: say which one is meant.
                self.add_error(
                    "funeral_payee_from",
                    _("Choose “another person” to pay %(name)s, or clear the name below.")
                    % {"name": typed},
                )
                return data
            data["funeral_payee_name"] = recipient.full_name
            data["funeral_payee_id_number"] = recipient.id_number
            data["funeral_payee_relationship"] = recipient.relationship
        return data

    def clean_recipient_phone(self):
        return validation.normalize_phone(self.cleaned_data["recipient_phone"])

    def clean_recipient_id_number(self):
        return validation.normalize_id_number(self.cleaned_data["recipient_id_number"])

    def clean_funeral_payee_id_number(self):
        return validation.normalize_id_number(self.cleaned_data["funeral_payee_id_number"])

    def clean_account_number(self):
        number = self.cleaned_data["account_number"].strip()
        if self.cleaned_data.get("account_provider") == "VIETTELPAY":
            return validation.normalize_phone(number)
        return number.replace(" ", "")

    def to_input(self) -> ChangeInput:
        d = self.cleaned_data
        recipient = None
        if self.kind == ChangeKind.SET_RECIPIENT and d.get("recipient_full_name"):
            recipient = RecipientInput(
                kind=d.get("recipient_kind") or RecipientKind.AUTHORIZED,
                full_name=d["recipient_full_name"],
                id_number=d["recipient_id_number"],
                relationship=d["recipient_relationship"],
                phone=d["recipient_phone"],
            )
        account = None
        if self.kind == ChangeKind.SET_ACCOUNT and d.get("account_provider"):
            account = AccountInput(
                provider_code=d["account_provider"],
                account_number=d["account_number"],
                holder=d.get("account_holder") or AccountHolder.BENEFICIARY,
            )
        return ChangeInput(
            kind=self.kind,
            reason=d["reason"],
            effective_month=d.get("effective_month"),
            reason_detail=d.get("reason_detail", ""),
            decision_number=d.get("decision_number", ""),
            decision_date=d.get("decision_date"),
            date_of_death=d.get("date_of_death"),
            funeral_payee_name=d.get("funeral_payee_name", ""),
            funeral_payee_id_number=d.get("funeral_payee_id_number", ""),
            funeral_payee_relationship=d.get("funeral_payee_relationship", ""),
            old_category=d.get("old_category", ""),
            new_category=d.get("new_category", ""),
            new_disability_level=d.get("new_disability_level", ""),
            new_commune=d.get("new_commune"),
            recipient=recipient,
            account=account,
            care=self.care_input() if self.kind == ChangeKind.SET_CARE else None,
            care_arrangement_id=d.get("care_arrangement")
            if self.kind == ChangeKind.END_CARE
            else None,
        )


class RejectForm(forms.Form):
    rejection_reason = forms.CharField(
        label=_("Reason for rejection"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or ID number"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=())
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *BeneficiaryStatus.choices]
    )
    account = forms.ChoiceField(
        label=_("Account"),
        required=False,
        choices=[("", _("All")), ("yes", _("With an account")), ("no", _("Without an account"))],
    )
    recipient = forms.ChoiceField(
        label=_("Paid through"),
        required=False,
        choices=[("", _("All")), ("yes", _("Through a recipient")), ("no", _("Personally"))],
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"), required=False, queryset=AdministrativeUnit.objects.none()
    )

    def __init__(self, *args, communes=None, **kwargs):
        super().__init__(*args, **kwargs)
        names = {
            code: translated(name)
            for code, name in Category.objects.filter(
                code__in=validation.CATEGORY_CODES
            ).values_list("code", "name")
        }
        self.fields["category"].choices = [
            ("", _("All")),
            *[
                (c, f"{c} – {Truncator(names.get(c, c)).chars(40)}")
                for c in validation.CATEGORY_CODES
            ],
        ]
        if communes is not None:
            self.fields["commune"].queryset = communes
        else:
            del self.fields["commune"]


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("File (.xlsx or .csv)"))
    initial_load = forms.BooleanField(
        label=_("Initial load: these people are already approved in an older system"),
        required=False,
    )
