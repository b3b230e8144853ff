"""The import contract's care columns (`care_code, carer_full_name, carer_id_number,
carer_relationship, carer_phone`), read into a registration's care arrangement and written back
by the register's export, so an exported register reads back in to the same arrangements.

Mixed into `beneficiaries.resources.RegistrationResource` (its fields are declared there): an
empty `care_code` is no arrangement; carer columns without a code are a row error on
`care_code`; a code runs through the rulebook's care rule (`checks.registration_errors`) from
the row's start month.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from beneficiaries.care_models import CareArrangement, CareStatus
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.services.inputs import CareInput


class CareColumnsMixin:
    """Read and write the care columns of one row (see the module's docstring)."""

    def _care(self, row, bad) -> CareInput | None:
        carer = (row.carer_full_name, row.carer_id_number, row.carer_relationship, row.carer_phone)
        code = (row.care_code or "").strip().upper()
        if not code:
            if any(carer):
                bad(
                    "care_code",
                    _("Write the care-support code, or leave the carer columns empty."),
                    Code.CARE_CODE_INVALID,
                )
            return None
        return CareInput(
            code=code,
            carer_full_name=row.carer_full_name,
            carer_id_number=row.carer_id_number,
            carer_relationship=row.carer_relationship,
            carer_phone=row.carer_phone,
        )

    # --- export: the person's arrangement in force (or awaiting approval), as imported ----------

    def _care_of(self, b):
        rows = getattr(b, "current_care", None)
        if rows is None:  # not prefetched (a single export)
            rows = list(
                CareArrangement.objects.filter(
                    beneficiary=b, status__in=[CareStatus.ACTIVE, CareStatus.PENDING]
                ).order_by("start_month", "id")
            )
        return rows[0] if rows else None

    def dehydrate_care_code(self, b) -> str:
        care = self._care_of(b)
        return care.code if care else ""

    def dehydrate_carer_full_name(self, b) -> str:
        care = self._care_of(b)
        return care.carer_full_name if care else ""

    def dehydrate_carer_id_number(self, b) -> str:
        care = self._care_of(b)
        return self._masked("id_number", care.carer_id_number) if care else ""

    def dehydrate_carer_relationship(self, b) -> str:
        care = self._care_of(b)
        return care.carer_relationship if care else ""

    def dehydrate_carer_phone(self, b) -> str:
        care = self._care_of(b)
        return self._masked("phone", care.carer_phone) if care else ""
