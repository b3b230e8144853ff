"""The register sorts names in Vietnamese alphabetical order, given name first, in the database:
the stored key (Beneficiary.name_sort_key, org.text.name_collation_key) gives the order of
org.text.name_sort_key on SQLite and on PostgreSQL."""

import random
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beneficiaries.models import Beneficiary
from beneficiaries.selectors import RegisterFilters, register_search
from org.text import name_collation_key, name_sort_key
from tests.factories import BeneficiaryFactory

# As an officer's list reads, by given name: An before Ăn before Ân before Ấn (letters, then
# tones), Đ after D, and for the same given name the family names in order.
EXPECTED = [
    "An",
    "Đỗ Văn An",
    "Dương Thị Ánh",
    "Ăn",
    "Ân",
    "Ấn",
    "Lê Văn Dũng",
    "Trần Đức",
    "Phạm Thị Ơn",
    "Bùi Văn Uy",
    "Vũ Thị Ư",
]


def test_the_stored_key_sorts_as_the_python_key():
    rng = random.Random(7)
    syllables = ["an", "ăn", "ân", "ấn", "Đỗ", "Dương", "ánh", "Anh", "ư", "uy", "Ơn", "ô", "o"]
    syllables += ["Lê", "lề", "Bà", "bả", "bã", "bá", "bạ", "bác", "A1", "x-y", "Ngô", "ngò"]
    names = [" ".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(2000)]
    by_python = sorted(names, key=name_sort_key)
    by_key = sorted(names, key=name_collation_key)
    # Equal keys are the same name; the two sorts are stable on the same input.
    assert by_key == by_python


def test_the_stored_key_is_digits_only():
    key = name_collation_key("Nguyễn Thị Ánh-Hồng 2 Ö")
    assert key.isascii() and key.isdigit()
    assert len(name_collation_key("Nguyễn " * 200)) <= 600


@pytest.mark.django_db
def test_saving_a_name_stores_its_key(hue_units):
    b = BeneficiaryFactory(commune=hue_units["commune"], full_name="Đỗ Văn An")
    assert b.name_sort_key == name_collation_key("Đỗ Văn An")
    b.full_name = "Dương Thị Ánh"
    b.save(update_fields=["full_name"])
    b.refresh_from_db()
    assert b.name_sort_key == name_collation_key("Dương Thị Ánh")
    assert b.search_name == "duong thi anh"


@pytest.mark.django_db
def test_the_database_orders_the_register_in_vietnamese_order(hue_units, officers):
    for name in reversed(EXPECTED):
        BeneficiaryFactory(commune=hue_units["commune"], full_name=name)
    ordered = list(
        Beneficiary.objects.order_by("name_sort_key", "pk").values_list("full_name", flat=True)
    )
    assert ordered == EXPECTED
    shown = register_search(user=officers["commune"], filters=RegisterFilters())
    assert [b.full_name for b in shown] == EXPECTED


@pytest.mark.django_db
def test_the_register_page_sorts_by_column_in_the_database(client, hue_units, officers):
    for name in reversed(EXPECTED):
        BeneficiaryFactory(commune=hue_units["commune"], full_name=name)
    client.force_login(officers["commune"])

    def names(**params):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("beneficiaries:list"), params).content.decode()
        select = next(
            q["sql"] for q in queries if "LIMIT" in q["sql"] and "name_sort_key" in q["sql"]
        )
        assert "ORDER BY" in select  # sorted and cut to a page by the database
        return re.findall(r'<td><a href="/doi-tuong/\d+/">([^<]+)</a></td>', html)

    assert names() == EXPECTED
    assert names(sort="name") == EXPECTED
    assert names(sort="-name") == EXPECTED[::-1]
    assert names(sort="drop table") == EXPECTED  # ignored: the default
    html = client.get(reverse("beneficiaries:list"), {"sort": "-name"}).content.decode()
    assert 'aria-sort="descending"' in html
    assert "▼" in html


@pytest.mark.django_db
def test_the_migration_fills_the_key_of_people_already_registered(hue_units):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("beneficiaries.migrations.0008_beneficiary_name_sort_key")
    for name in EXPECTED:
        BeneficiaryFactory(commune=hue_units["commune"], full_name=name)
    Beneficiary.objects.update(name_sort_key="")
    # The step only uses the editor's connection (SQLite opens no editor inside a test's
    # transaction).
    migration.fill_name_sort_key(apps, SimpleNamespace(connection=connection))
    for full_name, key in Beneficiary.objects.values_list("full_name", "name_sort_key"):
        assert key == name_collation_key(full_name)  # the frozen copy agrees with org.text
    assert (
        list(
            Beneficiary.objects.order_by("name_sort_key", "pk").values_list("full_name", flat=True)
        )
        == EXPECTED
    )
