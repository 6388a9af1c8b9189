"""Settings from the environment, production checks and the compose file."""

import os
import secrets
import shutil
import subprocess
import sys

import pytest

from tests.support.paths import ROOT


def _run(args, env_overrides, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "LOCAL_MODE", "DEMO_MODE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DATA_DIR": str(tmp_path)}, **env_overrides)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_production_without_secret_key_is_a_clear_error(tmp_path):
    result = _run(["manage.py", "check"], {"DEBUG": "0"}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("django.core.exceptions.ImproperlyConfigured: SECRET_KEY")


def test_local_mode_keeps_a_generated_key_in_the_data_folder(tmp_path):
    result = _run(["manage.py", "check"], {"LOCAL_MODE": "1"}, tmp_path)
    assert result.returncode == 0, result.stderr
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    _run(["manage.py", "check"], {"LOCAL_MODE": "1"}, tmp_path)
    assert (tmp_path / "secret_key").read_text() == key


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "dropwatch.example.com",
            "EMAIL_URL": "smtp+tls://user:pass@mail.example.com:587",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_email_url_configures_smtp(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_HOST_USER)"
    )
    result = _run(["-c", code], {"LOCAL_MODE": "1", "EMAIL_URL": "smtp+tls://bob:pw@mail.example.com:587"}, tmp_path)
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.example.com",
        "587",
        "True",
        "bob",
    ], result.stderr


def test_without_redis_the_broker_needs_no_server(tmp_path):
    code = "import django; django.setup(); from django.conf import settings as s; print(s.CELERY_BROKER_URL)"
    result = _run(["-c", code], {"LOCAL_MODE": "1", "REDIS_URL": ""}, tmp_path)
    assert result.stdout.strip() == "filesystem://localhost//", result.stderr
    assert (tmp_path / "broker" / "queue").is_dir()


@pytest.mark.skipif(
    not shutil.which("check-jsonschema", path=str(ROOT / ".venv" / "bin") + os.pathsep + os.environ.get("PATH", "")),
    reason="check-jsonschema not installed",
)
def test_docker_compose_file_follows_the_compose_spec():
    exe = shutil.which("check-jsonschema", path=str(ROOT / ".venv" / "bin") + os.pathsep + os.environ["PATH"])
    result = subprocess.run(
        [exe, "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_runs_the_services_we_run_here():
    ruamel_yaml = pytest.importorskip("ruamel.yaml")  # comes with check-jsonschema

    services = ruamel_yaml.YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "mailpit"} <= set(services)
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["REDIS_URL"].startswith("redis://redis:")
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://")
        assert services[name]["environment"]["EMAIL_URL"] == "smtp://mailpit:1025"
    assert "celery" in services["worker"]["command"] and "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
