"""The correspondence from vietnamadminunits, keyed to the units loaded from vietnam-provinces:
every old commune of Huế and Thái Nguyên has its new commune(s), and every disagreement between
the two sources is named."""

import io

import pytest
from django.core.management import call_command

from beneficiaries.reform import two_tier_units_ensure
from org.reform_correspondence import normalise_name, province_correspondence
from tests.reform.setup import THREE_TIER

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "old", "split", "renamed"),
    [("46", 134, 1, 6), ("19", 172, 3, 1)],
)
def test_every_old_commune_has_a_new_one_and_disagreements_are_named(code, old, split, renamed):
    call_command("load_units", str(THREE_TIER), province=code, stdout=io.StringIO())
    two_tier_units_ensure(code)
    corr = province_correspondence(code)
    assert len(corr.old) == old
    assert sum(o.split for o in corr.old.values()) == split
    assert sum("(matched by name)" in d for d in corr.disagreements) == renamed
    assert not [d for d in corr.disagreements if "is not loaded" in d and "new commune" in d]


def test_names_are_compared_without_accents_kind_or_punctuation():
    assert normalise_name("Xã Chân Mây – Lăng Cô") == normalise_name("xa chan may - lang co")
    assert normalise_name("Phường Thuận Hóa") == "thuanhoa"
