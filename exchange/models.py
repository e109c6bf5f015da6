"""Platform-level tables of the practice exchange (docs/exchange.md).

Explicitly cross-city: none of these is a tenant model, none has a column
named ``city`` (the tenancy meta-tests would rightly demand row-level
security for it), and none holds a copy of a city's private rows or anyone's
personal data. A practice holds the texts its city wrote, a template
snapshot (durations, rubric, settings, category names, fund rules) and
aggregate figures. The one foreign key to a person is a comment's author:
the civil servant's own account, who chose to speak on the exchange; it is
``SET_NULL`` so erasing the account keeps the comment under "a civil servant
of <city>".
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicideas.content.translations import Translatable, localized_text

TEXT_MAX = 5000
SUMMARY_MAX = 300
TITLE_MAX = 150


class Topic(models.TextChoices):
    MOBILITY = "mobility", _("Mobility")
    ENVIRONMENT = "environment", _("Environment and climate")
    PUBLIC_SPACE = "public_space", _("Public space")
    SOCIAL = "social", _("Social cohesion")
    CULTURE = "culture", _("Culture and sport")
    YOUTH = "youth", _("Youth and education")
    DIGITAL = "digital", _("Digital services")
    ECONOMY = "economy", _("Local economy")


class Method(models.TextChoices):
    CALL_FOR_IDEAS = "call_for_ideas", _("Call for ideas")
    PARTICIPATORY_BUDGET = "participatory_budget", _("Participatory budget")
    EXPERT_EVALUATION = "expert_evaluation", _("Expert evaluation panel")
    MATCHMAKING = "matchmaking", _("Matchmaking with sponsors")


class Licence(models.TextChoices):
    CC_BY = "CC-BY-4.0", "CC BY 4.0"
    CC_BY_SA = "CC-BY-SA-4.0", "CC BY-SA 4.0"
    CC0 = "CC0-1.0", "CC0 1.0"


LICENCE_URLS = {
    Licence.CC_BY: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC_BY_SA: "https://creativecommons.org/licenses/by-sa/4.0/",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
}


class PracticeQuerySet(models.QuerySet["Practice"]):
    def published(self) -> PracticeQuerySet:
        return self.filter(status=Practice.Status.PUBLISHED)


class Practice(Translatable, models.Model):
    """What a city did, what came of it, and how to do it again.

    Texts are in the publishing city's default language (the columns) and
    its other languages (``translations``); ``default_language`` and
    ``languages`` are copied from the city at publication, which is also
    what ``civicideas.content.translations.default_language_of`` reads, so a
    practice renders in the right language on any host.
    """

    translatable_fields = (
        "title",
        "summary",
        "goal",
        "approach",
        "what_worked",
        "what_did_not",
        "cost",
        "tips",
    )

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")

    publishing_city = models.ForeignKey(
        "tenancy.City",
        on_delete=models.CASCADE,
        related_name="practices",
        verbose_name=_("publishing city"),
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    summary = models.CharField(_("summary"), max_length=SUMMARY_MAX, blank=True)
    goal = models.TextField(_("goal"), max_length=TEXT_MAX, blank=True)
    approach = models.TextField(_("method"), max_length=TEXT_MAX, blank=True)
    what_worked = models.TextField(_("what worked"), max_length=TEXT_MAX, blank=True)
    what_did_not = models.TextField(_("what did not work"), max_length=TEXT_MAX, blank=True)
    cost = models.TextField(_("cost and staff time"), max_length=TEXT_MAX, blank=True)
    tips = models.TextField(_("tips"), max_length=TEXT_MAX, blank=True)
    default_language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, editable=False
    )
    languages = ArrayField(
        models.CharField(max_length=8, choices=settings.LANGUAGES),
        default=list,
        editable=False,
        verbose_name=_("languages"),
    )
    contact_email = models.EmailField(
        _("contact address"),
        help_text=_("A role address of the city (participation@…), not a person's."),
    )
    topics = ArrayField(
        models.CharField(max_length=20, choices=Topic.choices),
        default=list,
        blank=True,
        verbose_name=_("topics"),
    )
    method = models.CharField(_("method"), max_length=30, choices=Method.choices)
    licence = models.CharField(
        _("licence"), max_length=20, choices=Licence.choices, default=Licence.CC_BY
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PUBLISHED
    )
    #: Ids of the publishing city's challenges the evidence is computed from.
    #: Read only inside that city's context (its RLS applies).
    challenge_ids = ArrayField(
        models.BigIntegerField(), default=list, editable=False, verbose_name=_("challenges")
    )
    #: How to do it again: see ``exchange.snapshot``.
    template = models.JSONField(_("template"), default=dict, editable=False)
    #: Aggregate figures with links: see ``exchange.evidence``.
    evidence = models.JSONField(_("evidence"), default=dict, editable=False)
    evidence_refreshed_at = models.DateTimeField(_("evidence computed"), null=True)
    #: Sort keys and filters, copied from ``evidence`` when it is computed.
    share_answered = models.PositiveSmallIntegerField(
        _("ideas with an official answer (%)"), default=0, editable=False
    )
    participants = models.PositiveIntegerField(_("participants"), default=0, editable=False)
    adopted_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="adoption_practices",
        verbose_name=_("adopted from"),
    )
    search_vector = SearchVectorField(_("search index"), null=True, editable=False)
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PracticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        ordering = ["-published_at", "-pk"]
        indexes = [
            GinIndex(fields=["search_vector"], name="practice_search_idx"),
            GinIndex(fields=["topics"], name="practice_topics_idx"),
            models.Index(fields=["status", "-published_at"], name="practice_status_idx"),
        ]

    def __str__(self) -> str:
        return str(localized_text(self, "title"))

    @property
    def topic_labels(self) -> list[str]:
        return [str(Topic(t).label) for t in self.topics if t in Topic.values]


class Adoption(models.Model):
    """A city copied a practice's template into a draft challenge of its own.

    Unique per (practice, city): a stale form or a double click creates one
    challenge. ``challenge_id`` is an id in the adopting city, read only
    inside that city's context."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="adoptions", verbose_name=_("practice")
    )
    adopting_city = models.ForeignKey(
        "tenancy.City", on_delete=models.CASCADE, related_name="adoptions", verbose_name=_("city")
    )
    challenge_id = models.BigIntegerField(_("created challenge"))
    starts_on = models.DateField(_("start"))
    created_at = models.DateTimeField(_("adopted"), auto_now_add=True)

    class Meta:
        verbose_name = _("adoption")
        verbose_name_plural = _("adoptions")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "adopting_city"], name="adoption_once_per_city"
            )
        ]

    def __str__(self) -> str:
        return f"{self.practice} → {self.adopting_city}"


class PracticeComment(models.Model):
    """A civil servant's question or remark, shown with their city and role."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="comments", verbose_name=_("practice")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    author_city = models.ForeignKey(
        "tenancy.City", on_delete=models.CASCADE, related_name="+", verbose_name=_("city")
    )
    author_role = models.CharField(_("role"), max_length=20)
    text = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment on a practice")
        verbose_name_plural = _("comments on practices")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["practice", "created_at"], name="practicecomment_idx")]

    def __str__(self) -> str:
        return f"{self.author_city}: {self.text[:40]}"

    def get_role_label(self) -> str:
        from civicideas.tenancy.roles import Role

        return str(Role(self.author_role).label) if self.author_role in Role.values else ""


class TriedToo(models.Model):
    """ "We tried this too": another city's own outcome, once per city."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="tried_too", verbose_name=_("practice")
    )
    trying_city = models.ForeignKey(
        "tenancy.City", on_delete=models.CASCADE, related_name="+", verbose_name=_("city")
    )
    outcome = models.TextField(_("our outcome"), max_length=2000)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("we tried this too")
        verbose_name_plural = _("we tried this too")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "trying_city"], name="triedtoo_once")
        ]

    def __str__(self) -> str:
        return f"{self.trying_city}: {self.practice}"
