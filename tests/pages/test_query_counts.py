"""Query budgets of the pages that people who take part use most (issue 17):
signed-in challenge, idea and home pages, the support POST, and the admin
pages civil servants work in. Each page is measured with few and with many
rows: the count must stay within budget and must not grow with the rows.

Runs with real transactions, as in production (inside a test transaction
each request would add savepoints). Counted: the data queries, i.e. without
``BEGIN``/``COMMIT`` and the row-level-security setting
(``tests.ideas.test_views.data_queries``); the bench prints the total.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from evaluation import services as evaluation_services
from evaluation.models import Scorecard
from ideas import services
from ideas.admin.content.ideas import IdeaAdmin
from ideas.models import Report
from sponsors import matching
from tests.conftest import client_for, make_member
from tests.evaluation.factories import (
    AssignmentFactory,
    ChallengeEvaluationFactory,
    CriterionFactory,
)
from tests.factories import CityFactory
from tests.ideas.factories import (
    CategoryFactory,
    ChallengeFactory,
    CommentFactory,
    DistrictFactory,
    IdeaFactory,
    SupportFactory,
)
from tests.ideas.test_views import data_queries
from tests.sponsors.factories import (
    InitiativeFactory,
    NeedFactory,
    SponsorFactory,
    SponsorMembershipFactory,
    refresh,
)

pytestmark = pytest.mark.django_db(transaction=True)

PAGE_BUDGET = 10
SUPPORT_BUDGET = 6
ADMIN_BUDGET = 15
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "support"}


def count(client, method: str, url: str, data=None, **headers) -> tuple[int, list[str], object]:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {}, **headers)
    queries = data_queries(captured.captured_queries)
    if not (method == "post" and "HTTP_HX_REQUEST" not in headers):
        # No session read (cached_db) and no session write on an ordinary
        # request; only the no-JS POST stores its message.
        assert not [q for q in queries if "django_session" in q], (url, queries)
    return len(queries), queries, response


def _world(rows: int, slug: str):
    """A city with ``rows`` public ideas (supports, comments with replies,
    some by the signed-in person, some reported), an idea with ``rows``
    comments, an evaluated challenge, and sponsors with stored matches."""
    city = CityFactory(slug=slug, name=slug.title())
    person = make_member(city, Role.CITIZEN, email=f"person@{slug}.example")
    admin = make_member(city, Role.CITY_ADMIN, email=f"admin@{slug}.example")
    evaluator = make_member(city, Role.EVALUATOR, email=f"eval@{slug}.example")
    with city_context(city):
        challenge = ChallengeFactory(slug="green")
        category, district = CategoryFactory(), DistrictFactory()
        ideas = [
            IdeaFactory(challenge=challenge, category=category, district=district)
            for _ in range(rows)
        ]
        for i, idea in enumerate(ideas):
            SupportFactory(idea=idea)
            if i % 2:
                services.idea_support(idea=idea, user=person)
            mine = {"author": person} if i % 3 == 0 else {}
            comment = CommentFactory(idea=idea, **mine)
            CommentFactory(idea=idea, parent=comment)
            if i % 4 == 0:
                Report.objects.create(city=city, idea=idea, reporter=admin, reason="spam")
                Report.objects.create(city=city, comment=comment, reporter=admin, reason="x")
        busy = ideas[0]
        for i in range(rows):
            parent = services.comment_create(
                idea=busy, author=person if i % 2 else admin, body=f"Comment {i}"
            )
            if i % 5 == 0:
                CommentFactory(idea=busy, parent=parent, author=person)
        settings = ChallengeEvaluationFactory()
        criteria = [CriterionFactory(rubric=settings.rubric, weight=Decimal(1)) for _ in range(2)]
        for _ in range(rows):
            idea = IdeaFactory(challenge=settings.challenge, category=category)
            SupportFactory(idea=idea)
            assignment = AssignmentFactory(idea=idea, evaluator=evaluator)
            evaluation_services.scorecard_submit(
                assignment=assignment,
                by=evaluator,
                scores={c.pk: 3 for c in criteria},
                recommendation=Scorecard.Recommendation.ACCEPT,
            )
        sponsor = SponsorFactory()
        SponsorMembershipFactory(sponsor=sponsor, user=person)
        for _ in range(rows):
            initiative = InitiativeFactory(district=district)
            initiative.categories.set([category])
            NeedFactory(initiative=initiative)
            refresh(initiative)
        matching.recompute_sponsor(sponsor.pk)
    return {
        "city": city,
        "person": person,
        "admin": admin,
        "challenge": challenge,
        "busy": busy,
        "ideas": ideas,
        "settings": settings,
        "category": category,
        "district": district,
    }


def _idea_sorts() -> list[str]:
    """Every sortable column of the admin idea list, both directions, as
    ``?o=`` numbers them (0 is the row checkbox)."""
    columns = IdeaAdmin.list_display
    return [
        o
        for i, name in enumerate(columns, start=1)
        if name in IdeaAdmin.sortable_by
        for o in (str(i), f"-{i}")
    ]


def _measure(world) -> dict[str, tuple[int, int, list[str]]]:
    """Every page's (budget, data queries, SQL) for this world."""
    city = world["city"]
    person = client_for(world["person"], city)
    admin = client_for(world["admin"], city)
    for client in (person, admin):  # a returning visitor: session and caches exist
        client.get("/")
        client.get(reverse("ideas:challenge", args=["green"]))
        client.get(reverse("admin:index"))
    busy, other = world["busy"], world["ideas"][-1]
    pages = {
        "home": ("get", "/"),
        "challenge": ("get", reverse("ideas:challenge", args=["green"])),
        "challenge newest": ("get", reverse("ideas:challenge", args=["green"]) + "?sort=newest"),
        "idea with comments": ("get", reverse("ideas:idea", args=[busy.pk])),
    }
    results: dict[str, tuple[int, int, list[str]]] = {}
    for name, (method, url) in pages.items():
        n, sql, response = count(person, method, url)
        assert response.status_code == 200, (name, response.status_code)
        results[name] = (PAGE_BUDGET, n, sql)

    support = reverse("ideas:support", args=[other.pk])
    for action in ("support", "unsupport", "support"):
        n, sql, response = count(person, "post", support, {"action": action}, **HTMX)
        assert response.status_code == 200, (action, response.status_code)
        assert "<html" not in response.content.decode()
        results[f"htmx {action}"] = (SUPPORT_BUDGET, n, sql)
    n, sql, response = count(person, "post", support, {"action": "unsupport"})
    assert response.status_code == 302  # without JavaScript: back to the idea's page
    results["no-JS unsupport"] = (SUPPORT_BUDGET, n, sql)

    ideas = "/admin/ideas/idea/"
    admin_pages = {
        "admin ideas": ideas,
        "admin ideas search": ideas + "?q=idea",
        "admin ideas search id": ideas + f"?q={busy.pk}",
        **{f"admin ideas o={o}": ideas + f"?o={o}" for o in _idea_sorts()},
        "admin ideas o=<not sortable>": ideas + "?o=1",
        "admin ideas status": ideas + "?status__exact=published",
        "admin ideas reported": ideas + "?reported=yes",
        "admin ideas not reported": ideas + "?reported=no",
        "admin ideas challenge": ideas + f"?challenge__id__exact={world['challenge'].pk}",
        "admin ideas category": ideas + f"?category__id__exact={world['category'].pk}",
        "admin ideas district": ideas + f"?district__id__exact={world['district'].pk}",
        "admin ideas channel": ideas + "?channel__exact=paper",
        "admin comments": "/admin/ideas/comment/",
        "admin comments search": "/admin/ideas/comment/?q=Comment",
        "admin comments reported": "/admin/ideas/comment/?reported=yes",
        "admin comments o=<not sortable> (idea)": "/admin/ideas/comment/?o=2",
        "admin moderation queue": reverse("admin:ideas_moderation_queue"),
        "admin assignments": "/admin/evaluation/assignment/",
        "admin ranking": reverse(
            "admin:evaluation_challengeevaluation_ranking", args=[world["settings"].pk]
        ),
    }
    for name, url in admin_pages.items():
        n, sql, response = count(admin, "get", url)
        assert response.status_code == 200, (name, response.status_code)
        results[name] = (ADMIN_BUDGET, n, sql)
    n, sql, response = count(person, "get", reverse("sponsors:initiatives"), {"sort": "match"})
    assert response.status_code == 200
    results["initiatives best match"] = (ADMIN_BUDGET, n, sql)
    return results


def test_budgets_hold_and_do_not_grow():
    """Few rows and many rows: within budget, and the same count."""
    few = _measure(_world(3, "riverton"))
    many = _measure(_world(12, "lakeside"))
    problems = []
    for name, (budget, n_few, _sql) in few.items():
        n_many, sql_many = many[name][1], many[name][2]
        if n_many > budget or n_many > n_few:
            problems.append(f"{name}: {n_few} → {n_many} (budget {budget})")
            problems.extend(f"    {q[:160]}" for q in sql_many)
    report = "\n".join(f"{name}: {few[name][1]} / {many[name][1]}" for name in few)
    print(report)  # shown with -s: the counts, for docs/performance.md
    assert not problems, "\n".join(problems) + "\n\n" + report


def test_a_warm_signed_in_view_reads_no_rows_of_its_own():
    """Once someone has viewed them, the challenge page (any sort or page of
    the same seed bucket) and the home are shared content: another person's
    view reads only the person (and, on the home, whether they follow the
    city), however many ideas there are."""
    city = CityFactory(slug="hillside", name="Hillside")
    first, second = (make_member(city, email=f"p{n}@hillside.example") for n in range(2))
    with city_context(city):
        challenge = ChallengeFactory(slug="green")
        for _ in range(25):
            IdeaFactory(challenge=challenge)
    clients = [client_for(first, city), client_for(second, city)]
    for client in clients:  # both in one bucket
        session = client.session
        session["ideas_seed"] = f"{timezone.now().date().toordinal()}.2"
        session.save()
    challenge_url = reverse("ideas:challenge", args=["green"])
    pages = {
        "/": 2,
        challenge_url: 1,
        challenge_url + "?page=2": 1,
        challenge_url + "?sort=newest": 1,
    }
    # A returning visitor (the session is bound to the city on a first visit).
    assert clients[1].get(reverse("pages:accessibility")).status_code == 200
    for url in pages:
        assert clients[0].get(url).status_code == 200
    for url, budget in pages.items():
        n, sql, response = count(clients[1], "get", url)
        assert response.status_code == 200
        assert n <= budget, (url, sql)
