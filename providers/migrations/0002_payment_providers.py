"""The three payment providers every province works with."""

from django.db import migrations

PROVIDERS = [
    ("VIETTELPAY", "Viettel Pay (Viettel Money)", "wallet", "", "providers.adapters.viettelpay.ViettelPayAdapter"),
    ("VIETINBANK", "VietinBank", "bank", "970415", "providers.adapters.vietinbank.VietinBankAdapter"),
    ("VNPOST", "Bưu điện Việt Nam (VNPost)", "cash", "", "providers.adapters.vnpost.VNPostAdapter"),
]


def load(apps, schema_editor):
    Provider = apps.get_model("providers", "Provider")
    for code, name, channel, bank_bin, adapter in PROVIDERS:
        Provider.objects.update_or_create(
            code=code, defaults={"name": name, "channel": channel, "bank_bin": bank_bin, "adapter": adapter}
        )


def unload(apps, schema_editor):
    apps.get_model("providers", "Provider").objects.filter(code__in=[p[0] for p in PROVIDERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("providers", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
