"""The custom user: email is the login, plus the learner's profile and reminder preferences,
the fingerprint of their calendar feed address, and their personal access tokens for the API."""

import zoneinfo
from functools import lru_cache
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.timezones import validate_timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # allauth lowercases the whole address at sign-up; createsuperuser and the admin must
        # store it the same way, or one person could hold two accounts.
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str) -> "User":
        # The admin's login form finds the user by email whatever case it is typed in.
        return self.get(email__iexact=username)

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class DigestFrequency(models.TextChoices):
    OFF = "off", _("Off")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


class Weekday(models.IntegerChoices):
    # Python's date.weekday() numbering, so comparisons need no translation.
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


@lru_cache(maxsize=4096)
def _session_auth_hash(password: str, secret: str) -> str:
    # Django's own method, which reads only the password from the user.
    return AbstractBaseUser._get_session_auth_hash(SimpleNamespace(password=password), secret)


class User(AbstractUser):
    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)

    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    timezone = models.CharField(
        _("timezone"), max_length=64, default="UTC", validators=[validate_timezone]
    )

    # Reminder preferences: kept on the user because every digest and every dispatch reads them.
    digest_frequency = models.CharField(
        _("progress digest"),
        max_length=8,
        choices=DigestFrequency.choices,
        default=DigestFrequency.WEEKLY,
    )
    digest_weekday = models.PositiveSmallIntegerField(
        _("weekday for the weekly digest"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    digest_hour = models.PositiveSmallIntegerField(
        _("local hour for reminders"),
        default=9,
        validators=[MinValueValidator(0), MaxValueValidator(23)],
    )
    nudges_enabled = models.BooleanField(_("due-date nudges"), default=True)
    nudge_days_ahead = models.PositiveSmallIntegerField(
        _("days ahead for due-date nudges"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    # SHA-256 of the secret in the learner's calendar feed address (empty: no feed). Only the
    # fingerprint is kept, so a copy of the database does not open anyone's calendar.
    calendar_token_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(digest_hour__gte=0, digest_hour__lte=23),
                name="user_digest_hour_0_23",
            ),
            models.CheckConstraint(
                condition=models.Q(digest_weekday__gte=0, digest_weekday__lte=6),
                name="user_digest_weekday_0_6",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def name(self) -> str:
        """What to call the learner on a page or in an email."""
        return self.display_name or self.email.split("@", 1)[0]

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def get_full_name(self) -> str:
        return self.name

    def get_session_auth_hash(self) -> str:
        """Django's HMAC of the password hash under SECRET_KEY, which every signed-in request
        checks its session against (a password change logs the other sessions out), remembered
        per process for the two it depends on: about 8 µs and 20 Python calls a request (an
        HMAC keyed by a SHA-256 of the salt and secret, then SHA-256 of the hash) where a
        remembered one is a dictionary lookup. A new password or a new SECRET_KEY is a new
        entry, so it follows both at once. tests/accounts/test_session_auth_hash.py holds it."""
        return _session_auth_hash(self.password, settings.SECRET_KEY)

    def get_short_name(self) -> str:
        return self.name


class PersonalAccessTokenQuerySet(models.QuerySet["PersonalAccessToken"]):
    def usable(self, *, now) -> "PersonalAccessTokenQuerySet":
        return self.filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class PersonalAccessToken(models.Model):
    """A token a learner made for their own scripts to use the JSON API as them.

    The token reads `cpat_<prefix>_<secret>`; it is shown once, and only its prefix (to find the
    row) and the SHA-256 of the whole token (to check it) are stored.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for."))
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    objects = PersonalAccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("personal access token")

    def __str__(self) -> str:
        return f"{self.name} (cpat_{self.prefix}_…)"
