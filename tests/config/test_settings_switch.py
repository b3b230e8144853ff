"""With nothing configured: SQLite and a local filesystem broker; DATABASE_URL and REDIS_URL
switch to PostgreSQL and Redis. Each case runs in a fresh interpreter with its own environment."""

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), 'host': s.DATABASES['default'].get('HOST', ''), "
    "'broker': s.CELERY_BROKER_URL, 'backend': s.CELERY_RESULT_BACKEND, "
    "'lang': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE, 'debug': s.DEBUG}))"
)


def run_probe(module: str, **env: str) -> subprocess.CompletedProcess:
    """Read the settings in a fresh interpreter whose environment is only `env`'s choices."""
    unset = {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
    )


def probe(module: str, **env: str) -> dict:
    out = run_probe(module, **env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_nothing_configured_means_sqlite_and_a_local_broker(tmp_path):
    result = probe("config.settings.dev", TROCAP_VAR_DIR=str(tmp_path))
    assert result["engine"] == "django.db.backends.sqlite3"
    assert result["name"] == str(tmp_path / "db.sqlite3")
    assert result["broker"] == "filesystem://"
    assert result["backend"].startswith("file://")
    assert (tmp_path / "celery" / "queue").is_dir()
    assert result["lang"] == "vi"
    assert result["tz"] == "Asia/Ho_Chi_Minh"
    assert result["debug"] is True


def test_database_url_and_redis_url_switch_to_postgresql_and_redis(tmp_path):
    result = probe(
        "config.settings.dev",
        TROCAP_VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/trocap",
        REDIS_URL="redis://127.0.0.1:6379/3",
    )
    assert result["engine"] == "django.db.backends.postgresql"
    assert result["name"] == "trocap"
    assert result["host"] == "127.0.0.1"
    assert result["broker"] == "redis://127.0.0.1:6379/3"
    assert result["backend"] == "redis://127.0.0.1:6379/3"


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    run = run_probe("config.settings.production", TROCAP_VAR_DIR=str(tmp_path))
    assert run.returncode != 0
    assert "SECRET_KEY must be set in production" in run.stderr
    result = probe("config.settings.production", TROCAP_VAR_DIR=str(tmp_path), SECRET_KEY="x" * 50)
    assert result["debug"] is False


def test_trocap_csp_replaces_the_policy_and_empty_sends_none(tmp_path):
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.CONTENT_SECURITY_POLICY))"
    )

    def policy(value: str):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
        env.update(TROCAP_VAR_DIR=str(tmp_path), TROCAP_CSP=value)
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout.strip().splitlines()[-1])

    assert policy("default-src 'none'; img-src 'self' data:;") == {
        "DIRECTIVES": {"default-src": ["'none'"], "img-src": ["'self'", "data:"]}
    }
    assert policy("") is None


def test_production_settings_pass_the_deployment_checks():
    """`manage.py check --deploy` with the production settings as docker-compose gives them
    (behind TLS: the defaults) reports nothing, not even a warning."""
    # (The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for themselves: never a deployment's.)
    unset = {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG"}
    unset.add("DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in unset and not k.startswith("SECURE_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k" * 20 + "-production-secret-of-this-installation-" + "x" * 20,
        DATABASE_URL="postgres://trocap@127.0.0.1:5432/trocap",
        REDIS_URL="redis://127.0.0.1:6379/0",
        ALLOWED_HOSTS="trocap.example.gov.vn",
        **REAL_ENDPOINTS,
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues" in out.stdout
    got = run_probe_settings(env)
    assert got == {"conn_max_age": 60, "health_checks": True, "hsts": 31536000, "secure": True}


# What an installation sets for its real providers and population service.
REAL_ENDPOINTS = {
    f"{name}_{key}": value
    for name in ("VIETTELPAY", "VIETINBANK", "VNPOST", "POPULATION")
    for key, value in (
        ("URL", f"https://{name.lower()}.example.vn/api"),
        ("SECRET", f"{name.lower()}-secret-of-this-installation-0123456789"),
    )
}


def test_the_deployment_checks_refuse_the_mock_providers():
    """Production settings that still point at the mocks (loopback, their published secrets)
    fail `check --deploy`: one error per provider for each."""
    unset = {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG"}
    unset |= {"DJANGO_ALLOW_ASYNC_UNSAFE"} | set(REAL_ENDPOINTS) | {"MOCK_PROVIDERS_URL"}
    env = {k: v for k, v in os.environ.items() if k not in unset and not k.startswith("SECURE_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k" * 20 + "-production-secret-of-this-installation-" + "x" * 20,
        DATABASE_URL="postgres://trocap@127.0.0.1:5432/trocap",
        ALLOWED_HOSTS="trocap.example.gov.vn",
        VIETINBANK_URL="https://vietinbank.example.vn/api",
        VIETINBANK_SECRET="vietinbank-secret-of-this-installation-0123456789",
        POPULATION_URL="https://[::1]:9000/",
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    report = out.stdout + out.stderr
    assert report.count("trocap.E001") == 3  # VIETTELPAY, VNPOST, POPULATION
    assert report.count("trocap.E002") == 3  # VIETTELPAY, VNPOST on 127.0.0.1; POPULATION on ::1
    assert "VIETINBANK" not in report


def run_probe_settings(env: dict) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; print(json.dumps({'conn_max_age': d['CONN_MAX_AGE'], "
        "'health_checks': d['CONN_HEALTH_CHECKS'], 'hsts': s.SECURE_HSTS_SECONDS, "
        "'secure': s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE and s.SECURE_SSL_REDIRECT}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_postgresql_connections_run_without_jit(db):
    """JIT compiling cost tens of milliseconds on every page that counts a district."""
    import pytest
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
