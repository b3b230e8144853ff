"""Administrative units and staff users.

A unit row is identified by its GSO code *and* its code version: codes were reused with new
meanings after the 2025-07-01 reform, so addresses point at rows, never at bare codes.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CodeVersion(models.TextChoices):
    THREE_TIER = "2025-01", _("2025-01 (province, district, commune)")
    TWO_TIER = "2025-10", _("2025-10 (province, commune)")


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")


# GSO codes are written with a fixed width per level (province 2, district 3, commune 5).
CODE_WIDTH = {UnitLevel.PROVINCE: 2, UnitLevel.DISTRICT: 3, UnitLevel.COMMUNE: 5}


def format_unit_code(level: str, code: int | str) -> str:
    return str(int(code)).zfill(CODE_WIDTH[UnitLevel(level)])


class AdministrativeUnit(models.Model):
    code = models.CharField(_("GSO code"), max_length=10)
    name = models.CharField(_("name"), max_length=200)
    division_type = models.CharField(_("division type"), max_length=50, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    code_version = models.CharField(_("code version"), max_length=7, choices=CodeVersion.choices)
    active = models.BooleanField(_("active"), default=True)
    # Materialised path "<version>/<province>/<district>/<commune>/": the one index scoping uses.
    path = models.CharField(max_length=64, unique=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["code_version", "level", "code"], name="unit_code_unique_per_version"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.path = self.build_path()
        super().save(*args, **kwargs)

    def build_path(self) -> str:
        prefix = self.parent.path if self.parent_id else f"{self.code_version}/"
        return f"{prefix}{self.code}/"

    @property
    def closing_unit(self) -> AdministrativeUnit | None:
        """The unit that closes this commune's payment list (org.roles.closing_unit_of)."""
        if self.level != UnitLevel.COMMUNE:
            return None
        return self if self.code_version == CodeVersion.TWO_TIER else self.parent

    @property
    def province_code(self) -> str:
        """The code of the province this unit is in (itself, for a province): from the path."""
        return self.path.split("/")[1]

    @property
    def province_path(self) -> str:
        """The path prefix of this unit's province ("<version>/<province>/")."""
        return "/".join(self.path.split("/")[:2]) + "/"

    def is_within(self, other: AdministrativeUnit) -> bool:
        return self.path.startswith(other.path)


class Role(models.TextChoices):
    COMMUNE_OFFICER = "commune_officer", _("Commune officer")
    COMMUNE_LEADER = "commune_leader", _("Commune leader")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    PROVINCE_OFFICER = "province_officer", _("Province officer")
    ADMIN = "admin", _("Administrator")


# Which unit level each role works at; the scope is always the unit's subtree. Who checks and
# who runs the lists of a unit depends on its code version: org.roles.
ROLE_LEVELS = {
    Role.COMMUNE_OFFICER: {UnitLevel.COMMUNE},
    Role.COMMUNE_LEADER: {UnitLevel.COMMUNE},
    Role.DISTRICT_OFFICER: {UnitLevel.DISTRICT},
    Role.PROVINCE_OFFICER: {UnitLevel.PROVINCE},
    Role.ADMIN: {UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE},
}


class StaffUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("unit"),
        help_text=_(
            "The user sees this unit and every unit below it. Administrators may leave it empty."
        ),
    )
    phone = models.CharField(_("phone"), max_length=15, blank=True)

    objects = StaffUserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role=Role.ADMIN) | models.Q(unit__isnull=False),
                name="user_unit_required_unless_admin",
                violation_error_message=_("Every user except an administrator needs a unit."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def clean(self):
        """The role fits the unit: its level (ROLE_LEVELS), and a commune leader only on a
        two-tier commune (org.roles). The admin's form and user_create both ask."""
        super().clean()
        if not self.role or self.role == Role.ADMIN or self.unit_id is None:
            return
        unit = self.unit
        if not unit.active:
            raise ValidationError(
                {
                    "unit": ValidationError(
                        _(
                            "%(unit)s was abolished by the 2025 reform: choose the unit of the "
                            "new organisation."
                        )
                        % {"unit": unit},
                        code="unit_abolished",
                    )
                }
            )
        if unit.level not in ROLE_LEVELS[Role(self.role)] or (
            self.role == Role.COMMUNE_LEADER and unit.code_version != CodeVersion.TWO_TIER
        ):
            raise ValidationError(
                {
                    "unit": _("A %(role)s cannot work at %(unit)s.")
                    % {"role": Role(self.role).label, "unit": unit}
                }
            )

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def held_by_reform(self) -> bool:
        """On a unit the 2025 reform abolished (inactive): held on every door, pages and API,
        until the administrator re-homes them. The administrator is never held."""
        return not self.is_admin_role and self.unit_id is not None and not self.unit.active


from org.export_job_models import ExportJob, ExportJobStatus  # noqa: E402, F401
