"""``seed_demo`` builds usable demo cities and can run again safely."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from civicideas.notifications.kinds import KINDS
from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.models import City, Domain, Membership
from ideas.models import Challenge, Idea, IdeaInvitation, Support
from ideas.status import IdeaStatus
from projects.models import Project, ProjectUpdate
from projects.status import ProjectStatus

pytestmark = pytest.mark.django_db


def run() -> str:
    out = StringIO()
    call_command("seed_demo", "--password", "demo-pass-123", stdout=out)
    return out.getvalue()


def test_seed_demo_is_idempotent_and_complete():
    first = run()
    second = run()
    assert "[3/3] Hillcrest" in first
    assert "http://riverton.localhost" in first
    assert City.objects.filter(slug__in=["riverton", "lakeside", "hillcrest"]).count() == 3
    assert "already seeded" in second
    from exchange.models import Adoption, Practice, PracticeComment

    # Riverton's practice, Lakeside's adoption and own outcome, Hillcrest's question.
    assert sorted(Practice.objects.values_list("publishing_city__slug", flat=True)) == [
        "lakeside",
        "riverton",
    ]
    assert Adoption.objects.get().adopting_city.slug == "lakeside"
    assert PracticeComment.objects.get().author_city.slug == "hillcrest"
    superuser = get_user_model().objects.get(email="superuser@civicideas.example")
    assert superuser.is_superuser and superuser.check_password("demo-pass-123")
    for city in City.objects.all():
        with city_context(city):
            assert Domain.objects.get(is_primary=True).hostname == f"{city.slug}.localhost"
            roles = {r for m in Membership.objects.all() for r in m.roles}
            assert {"citizen", "moderator", "evaluator", "city_admin"} <= roles
            # The 4th: evaluation.demo; Lakeside's 5th, a draft: the adopted
            # practice (exchange.demo).
            adopted = 1 if city.slug == "lakeside" else 0
            assert Challenge.objects.count() == 4 + adopted
            assert Challenge.objects.filter(phase="draft").count() == adopted
            assert set(
                Challenge.objects.exclude(phase="draft").values_list("phase", flat=True)
            ) == {
                "ideas",
                "supports",
                "evaluation",
                "results",
            }
            statuses = set(Idea.objects.values_list("status", flat=True))
            assert {
                IdeaStatus.PUBLISHED,
                IdeaStatus.PENDING,
                IdeaStatus.HIDDEN,
                IdeaStatus.WITHDRAWN,
                IdeaStatus.ACCEPTED,
                IdeaStatus.REJECTED,
                IdeaStatus.IMPLEMENTED,
                IdeaStatus.DUPLICATE,
            } <= statuses
            assert set(Idea.objects.values_list("language", flat=True)) == {"en", "fr", "nl"}
            for idea in Idea.objects.all():
                assert idea.support_count == Support.objects.filter(idea=idea).count()
            # City projects in every state, one of them late, with news and images.
            assert set(Project.objects.values_list("status", flat=True)) == set(ProjectStatus)
            assert Project.objects.late(timezone.localdate()).exists()
            assert ProjectUpdate.objects.exclude(image="").exists()
            assert Project.objects.filter(children__isnull=False).exists()
            assert Idea.objects.filter(project_links__isnull=False).count() >= 4
            # Each project carries out an idea about the same thing, and tells
            # what it does in the city's language.
            benches = Project.objects.get(budget_planned=15000)
            assert any(
                word in idea.title.lower()
                for idea in benches.ideas.all()
                for word in ("benches", "bancs", "bankjes")
            )
            descriptions = {"en": "Twelve benches", "fr": "Douze bancs", "nl": "Twaalf banken"}
            assert benches.description.startswith(descriptions[city.default_language])
            # A workshop participant who left an address is invited to claim
            # their idea, unclaimed so far.
            invitation = IdeaInvitation.objects.get()
            assert invitation.email == f"lena@{city.slug}.example"
            assert invitation.claimed_at is None and invitation.idea.author_id is None


def test_seed_demo_leaves_a_notification_of_every_kind():
    """Issue 6: in the demo, every kind is produced by the action that
    causes it (so the bell, the mail and the preferences can be tried)."""
    run()
    produced: set[str] = set()
    for city in City.objects.all():
        with city_context(city):
            produced |= set(Notification.objects.values_list("kind", flat=True).distinct())
    assert sorted(set(KINDS) - produced) == []
