"""/metrics: Prometheus's scrape, for the monitoring system only; the metrics it exports."""

import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

import pytest
import redis
from django.conf import settings
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from config.celery import app
from core import metrics
from core.metrics import CallbackOutcome, ProviderErrorKind

pytestmark = pytest.mark.django_db
TOKEN = {"HTTP_AUTHORIZATION": "Bearer test-metrics-token"}  # config/settings/test.py's
NAMES = (
    "trocap_http_request_duration_seconds",
    "trocap_payment_lists_generated_total",
    "trocap_payment_list_generate_seconds",
    "trocap_batches_sent_total",
    "trocap_provider_errors_total",
    "trocap_callbacks_total",
    "trocap_celery_task_retries_total",
    "trocap_celery_queue_depth",
)


def scrape(client, **headers) -> str:
    response = client.get(reverse("metrics"), **{**TOKEN, **headers})
    assert response.status_code == 200
    return response.content.decode()


def value(text: str, name: str, **labels) -> float:
    """A sample's value in a scrape (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


def test_officers_and_anonymous_visitors_get_a_404(client, officers):
    url = reverse("metrics")
    assert client.get(url).status_code == 404
    client.force_login(officers["district"])
    assert client.get(url).status_code == 404
    assert client.get(url, HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get(url, HTTP_AUTHORIZATION="test-metrics-token").status_code == 404
    assert client.post(url).status_code == 404


def test_with_the_token_the_scrape_is_prometheus_text_with_every_metric(client):
    response = client.get(reverse("metrics"), **TOKEN)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    text = response.content.decode()
    for name in NAMES:
        assert f"# TYPE {name} " in text, name


def test_without_a_token_only_this_machine_may_scrape(client, settings):
    settings.TROCAP_METRICS_TOKEN = ""
    url = reverse("metrics")
    assert client.get(url).status_code == 200  # the test client is 127.0.0.1
    assert client.get(url, REMOTE_ADDR="::1").status_code == 200
    assert client.get(url, REMOTE_ADDR="10.0.0.7").status_code == 404
    # Through a reverse proxy on this machine: not this machine's request.
    assert client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    assert client.get(url, HTTP_X_REAL_IP="203.0.113.9").status_code == 404
    assert client.get(url, **TOKEN, REMOTE_ADDR="10.0.0.7").status_code == 404


def test_the_recording_functions_show_in_the_scrape(client):
    before = scrape(client)
    metrics.record_payment_list_generated(seconds=3.2)
    metrics.record_batch_sent(provider="VIETTELPAY")
    metrics.record_provider_error(provider="VNPOST", kind=ProviderErrorKind.TIMEOUT)
    metrics.record_callback(provider="VIETTELPAY", outcome=CallbackOutcome.REFUSED)
    metrics.record_callback(provider="FORGED", outcome=CallbackOutcome.REFUSED)
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("trocap_payment_lists_generated_total") == 1
    assert grew("trocap_payment_list_generate_seconds_count") == 1
    assert grew("trocap_payment_list_generate_seconds_bucket", le="5.0") == 1
    assert grew("trocap_batches_sent_total", provider="VIETTELPAY") == 1
    assert grew("trocap_provider_errors_total", provider="VNPOST", kind="timeout") == 1
    assert grew("trocap_callbacks_total", provider="VIETTELPAY", outcome="refused") == 1
    # A provider code that is not configured is "other": a forged address adds no series.
    assert grew("trocap_callbacks_total", provider="other", outcome="refused") == 1
    with pytest.raises(ValueError):
        metrics.record_provider_error(provider="VNPOST", kind="bogus")


def test_a_request_shows_in_the_latency_histogram_by_url_name(client, officers):
    labels = {"method": "GET", "route": "healthz", "status": "2xx"}
    name = "trocap_http_request_duration_seconds_count"
    before = value(scrape(client), name, **labels)
    client.get(reverse("healthz"))
    client.get("/no-such-page/")
    after = scrape(client)
    assert value(after, name, **labels) == before + 1
    assert value(after, name, method="GET", route="unmatched", status="4xx") >= 1
    client.force_login(officers["commune"])
    client.get(reverse("beneficiaries:detail", args=[999_999]))
    text = scrape(client)
    assert value(text, name, method="GET", route="beneficiaries:detail", status="4xx") >= 1
    routes = {
        sample.labels["route"]
        for family in text_string_to_metric_families(text)
        if family.name == "trocap_http_request_duration_seconds"
        for sample in family.samples
    }
    assert not any("/" in route for route in routes), routes  # names, never paths


def test_a_task_retry_is_counted(client, eager_celery):
    @app.task(bind=True, name="tests.core.flaky", max_retries=2)
    def flaky(self):
        if self.request.retries < 2:
            raise self.retry(countdown=0)
        return "done"

    name, labels = "trocap_celery_task_retries_total", {"task": "tests.core.flaky"}
    before = value(scrape(client), name, **labels)
    assert flaky.delay().get() == "done"
    assert value(scrape(client), name, **labels) == before + 2


def test_the_queue_depth_of_the_filesystem_broker(client, settings, tmp_path):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path)}
    settings.TROCAP_METRICS_QUEUES = ["celery", "bulk"]
    for n in range(3):
        (tmp_path / f"{n}_{uuid.uuid4()}.celery.msg").write_bytes(b"{}")
    (tmp_path / f"9_{uuid.uuid4()}.bulk.msg").write_bytes(b"{}")
    text = scrape(client)
    assert value(text, "trocap_celery_queue_depth", queue="celery") == 3
    assert value(text, "trocap_celery_queue_depth", queue="bulk") == 1


def test_the_queue_depth_on_redis(client, settings):
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    server = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.RedisError:
        pytest.skip("no Redis")
    queue = f"test-depth-{uuid.uuid4().hex}"
    settings.REDIS_URL = url
    settings.TROCAP_METRICS_QUEUES = [queue]
    try:
        server.rpush(queue, "a", "b")
        server.rpush(f"{queue}\x06\x163", "c")  # a prioritised message (kombu's key)
        assert value(scrape(client), "trocap_celery_queue_depth", queue=queue) == 3
    finally:
        server.delete(queue, f"{queue}\x06\x163")
        server.close()


def test_a_broker_that_does_not_answer_does_not_fail_the_scrape(client, settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    settings.TROCAP_METRICS_QUEUES = ["celery"]
    assert value(scrape(client), "trocap_celery_queue_depth", queue="celery") == -1
    assert "celery queue depth unreadable" in caplog.text


def test_processes_sharing_a_multiprocess_folder_add_up(tmp_path):
    """What `make run` does: the worker's processes write to the folder, the web's scrape
    shows their counts."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    record = (
        "import django; django.setup(); from core import metrics; "
        "metrics.record_batch_sent(provider='VNPOST'); metrics.record_task_retry(task='t')"
    )
    for _ in range(2):  # two worker processes, one after the other
        subprocess.run([sys.executable, "-c", record], env=env, check=True, cwd=settings.BASE_DIR)
    show = (
        "import django; django.setup(); from core import metrics; print(metrics.render().decode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", show],
        env=env,
        check=True,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert value(out.stdout, "trocap_batches_sent_total", provider="VNPOST") == 2
    assert value(out.stdout, "trocap_celery_task_retries_total", task="t") == 2
    assert "trocap_celery_queue_depth" in out.stdout


def test_a_worker_serves_its_own_metrics_with_the_same_rule(settings):
    """TROCAP_WORKER_METRICS_PORT: the endpoint of a worker in a container of its own."""
    server = metrics.start_exporter(port=0, host="127.0.0.1")
    url = f"http://127.0.0.1:{server.server_port}/metrics"

    def get(address, **headers):
        request = urllib.request.Request(address, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, response.headers["Content-Type"], response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, None, ""

    try:
        assert get(url)[0] == 404
        assert get(url, Authorization="Bearer wrong")[0] == 404
        status, content_type, text = get(url, Authorization="Bearer test-metrics-token")
        assert status == 200 and content_type == "text/plain; version=0.0.4; charset=utf-8"
        assert "# TYPE trocap_celery_task_retries_total counter" in text
        assert get(url + "x", Authorization="Bearer test-metrics-token")[0] == 404
        settings.TROCAP_METRICS_TOKEN = ""
        assert get(url)[0] == 200  # this machine
        assert get(url, **{"X-Forwarded-For": "203.0.113.9"})[0] == 404
    finally:
        server.shutdown()
        server.server_close()
