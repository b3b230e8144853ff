"""docker-compose.yml cannot run here (no Docker engine): check what reading can check."""

from pathlib import Path

import yaml
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(settings.BASE_DIR)


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_every_service_of_the_design():
    services = compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "mock-providers"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]


def test_app_services_use_production_settings_postgres_and_redis():
    services = compose()["services"]
    for name in ("web", "worker", "beat", "migrate"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert (
            env["DATABASE_URL"].startswith("postgres://")
            and "@postgres:5432/" in env["DATABASE_URL"]
        )
        assert env["REDIS_URL"] == "redis://redis:6379/0"
    # Migrations wait for a healthy database; the app services wait for the migrations.
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"


def test_management_commands_named_in_compose_exist():
    commands = get_commands()
    for service in compose()["services"].values():
        command = service.get("command") or []
        if command[:2] == ["python", "manage.py"]:
            assert command[2] in commands, command


def test_mock_providers_keep_their_own_storage():
    mock = compose()["services"]["mock-providers"]
    assert any(volume.startswith("mockdata:") for volume in mock["volumes"])
    assert "--db" in mock["command"]
    # Its own pace for the demo, on top of (not instead of) the app's environment.
    assert {"MOCK_VIETTELPAY_DELAY", "MOCK_VNPOST_WINDOW", "SECRET_KEY"} <= set(mock["environment"])
    assert compose()["services"]["worker"]["environment"]["TROCAP_PUBLIC_URL"]
    assert (ROOT / "Dockerfile").read_text().count("/mock") >= 1
