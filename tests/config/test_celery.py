"""The effective Celery configuration: a misspelt CELERY_ setting would leave a default here."""

from django.conf import settings

from config import celery_app


def test_the_app_holds_the_values_we_meant():
    conf = celery_app.conf
    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.timezone == "UTC" and conf.enable_utc is True
    assert conf.task_ignore_result is True
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_url == settings.CELERY_BROKER_URL


def test_beat_ticks_every_minute():
    entry = celery_app.conf.beat_schedule["tick"]
    assert entry["task"] == "monitoring.tick"
    assert entry["schedule"] == settings.TICK_SECONDS == 60


def test_a_redelivered_task_cannot_overlap_a_running_one():
    # Redis re-delivers an unacknowledged task after the visibility timeout: it must be longer than
    # a task may run plus the longest retry countdown, or two workers would hold the same task.
    conf = celery_app.conf
    if settings.REDIS_URL:
        visibility = conf.broker_transport_options["visibility_timeout"]
        assert visibility > conf.task_time_limit + settings.CELERY_TASK_MAX_RETRY_COUNTDOWN
    else:
        assert conf.broker_transport_options["data_folder_in"] == conf.broker_transport_options["data_folder_out"]


def test_the_tasks_are_registered():
    celery_app.loader.import_default_modules()
    assert {"monitoring.tick", "monitoring.heartbeat"} <= set(celery_app.tasks)


def test_retry_backoff_never_outlives_the_visibility_timeout():
    from monitoring.tasks import DB_RETRY, check_product, deliver_emails

    assert DB_RETRY["retry_backoff_max"] <= settings.CELERY_TASK_MAX_RETRY_COUNTDOWN
    assert check_product.max_retries == deliver_emails.max_retries == DB_RETRY["max_retries"]
    assert check_product.autoretry_for  # database blips are retried, with backoff


def test_email_retries_are_bounded():
    total = sum(
        min(settings.EMAIL_RETRY_MAX_SECONDS, settings.EMAIL_RETRY_BASE_SECONDS * 2**i)
        for i in range(settings.EMAIL_MAX_ATTEMPTS)
    )
    assert 3600 <= total <= 24 * 3600  # keeps trying for hours, then marks the email failed and shows it
