"""The accounts tests' parts: a real SMTP server (aiosmtpd) the app sends through, a staff persona, and empty
rate-limit counters for every test."""

import re

import pytest
from django.core.cache import cache

from tests.support.smtp import SmtpServer


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the rate-limit counters
    yield
    cache.clear()


@pytest.fixture
def smtp(settings):
    server = SmtpServer().start()
    server.configure(settings)
    settings.SITE_URL = "http://testserver"
    yield server
    server.stop()


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("carol", "carol@example.com", "carol-password-1", is_staff=True)


@pytest.fixture
def staff_client(staff):
    from django.test import Client

    c = Client()
    c.force_login(staff)
    return c


def link_in(message, prefix="http://testserver") -> str:
    """The one link of ours in an email's text part, as a path the test client can open."""
    text, html = SmtpServer.parts(message)
    links = set(re.findall(re.escape(prefix) + r"(/[^\s\"<>]+)", text))
    assert len(links) == 1, links
    (path,) = links
    assert prefix + path in html  # the HTML part carries the same link
    return path
