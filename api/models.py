"""Personal API tokens. Only a SHA-256 digest of each token is stored: the token itself is shown once, when
it is created, and a short prefix of it stays visible so the user can tell their tokens apart."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class TokenKind(models.TextChoices):
    API = "api", "API token"
    # The browser companion's: it may add pages and fetch and answer its claims, nothing else (api/companion.py).
    COMPANION = "companion", "Browser companion"


class ApiToken(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=TokenKind.choices, default=TokenKind.API)
    prefix = models.CharField(max_length=16, editable=False)  # the token's first characters, for recognising it
    digest = models.CharField(max_length=64, unique=True, editable=False)  # sha256 hex of the whole token
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner"], condition=Q(revoked_at__isnull=True), name="apitoken_active_idx")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
