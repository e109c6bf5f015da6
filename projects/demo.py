"""Demo projects for ``seed_demo``: one in every state (on time, late, done,
stopped, planned, a parent with weighted parts), milestones, updates with
images, departments and district populations. Idempotent: a city that has
projects is left alone. Runs after the ideas demo (accepted ideas exist)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from civicideas.content.translations import set_translation
from ideas.models import Category, Department, District, Idea
from ideas.status import IdeaStatus
from projects import services
from projects.models import Milestone, Project
from projects.status import ProjectStatus

DEPARTMENTS = {
    "parks": {
        "en": "Parks and green spaces",
        "fr": "Parcs et espaces verts",
        "nl": "Parken en groen",
    },
    "mobility": {"en": "Mobility", "fr": "Mobilité", "nl": "Mobiliteit"},
    "works": {"en": "Public works", "fr": "Travaux publics", "nl": "Openbare werken"},
}

#: (key, status, months from today to the planned end, milestones done of total,
#: department, texts; ``idea_words``: words of the accepted idea it carries
#: out, in any language, so each project implements an idea about the same thing)
PROJECTS: list[dict[str, Any]] = [
    {
        "key": "trees",
        "idea_words": ("garden", "jardin", "tuin"),
        "description": {
            "en": "Two hundred trees along the river path, chosen with residents.",
            "fr": "Deux cents arbres le long de la rivière, choisis avec les habitants.",
            "nl": "Tweehonderd bomen langs het rivierpad, gekozen met de bewoners.",
        },
        "status": ProjectStatus.IN_PROGRESS,
        "start": -4,
        "end": 5,
        "milestones": (2, 4),
        "department": "parks",
        "budget": ("85000", "31000"),
        "title": {
            "en": "Trees along the river path",
            "fr": "Des arbres le long du chemin de la rivière",
            "nl": "Bomen langs het rivierpad",
        },
        "update": {
            "en": "The first 40 trees are planted; the next batch arrives in spring.",
            "fr": "Les 40 premiers arbres sont plantés ; le prochain lot arrive au printemps.",
            "nl": "De eerste 40 bomen staan er; de volgende lading komt in de lente.",
        },
    },
    {
        "key": "crossings",
        "idea_words": ("lighting", "éclairage", "verlichting"),
        "description": {
            "en": "Raised crossings, lighting and signs on the way to the three schools.",
            "fr": "Passages surélevés, éclairage et panneaux sur le chemin des trois écoles.",
            "nl": "Verhoogde oversteekplaatsen, verlichting en borden op weg naar de drie scholen.",
        },
        "status": ProjectStatus.IN_PROGRESS,
        "start": -9,
        "end": -1,
        "milestones": (1, 3),
        "department": "mobility",
        "budget": ("120000", "98000"),
        "title": {
            "en": "Safer crossings near schools",
            "fr": "Des passages plus sûrs près des écoles",
            "nl": "Veiligere oversteekplaatsen bij scholen",
        },
        "update": {
            "en": "Two crossings are done; the third waits for the utility works.",
            "fr": "Deux passages sont terminés ; le troisième attend les travaux de réseaux.",
            "nl": "Twee oversteekplaatsen zijn klaar; de derde wacht op de nutswerken.",
        },
    },
    {
        "key": "benches",
        "idea_words": ("benches", "bancs", "bankjes"),
        "description": {
            "en": "Twelve benches with armrests, some in the shade, on the market square.",
            "fr": "Douze bancs avec accoudoirs, certains à l'ombre, sur la place du marché.",
            "nl": "Twaalf banken met armleuningen, enkele in de schaduw, op het marktplein.",
        },
        "status": ProjectStatus.DONE,
        "start": -8,
        "end": -2,
        "milestones": (3, 3),
        "department": "works",
        "budget": ("15000", "14200"),
        "title": {
            "en": "Benches on the market square",
            "fr": "Des bancs sur la place du marché",
            "nl": "Banken op het marktplein",
        },
        "update": {
            "en": "All twelve benches are in place. Thank you for the idea!",
            "fr": "Les douze bancs sont en place. Merci pour l'idée !",
            "nl": "Alle twaalf banken staan er. Bedankt voor het idee!",
        },
    },
    {
        "key": "fountain",
        "idea_words": ("fountain", "fontaine", "fontein"),
        "description": {
            "en": "A drinking fountain by the playground, open all year.",
            "fr": "Une fontaine à boire près de l'aire de jeux, ouverte toute l'année.",
            "nl": "Een drinkfontein bij de speeltuin, het hele jaar open.",
        },
        "status": ProjectStatus.STOPPED,
        "start": -6,
        "end": 3,
        "milestones": (1, 3),
        "department": "works",
        "budget": ("60000", "8000"),
        "title": {
            "en": "A drinking fountain in the park",
            "fr": "Une fontaine à boire dans le parc",
            "nl": "Een drinkfontein in het park",
        },
        "reason": {
            "en": "The water network cannot reach the spot; we are looking for another place.",
            "fr": "Le réseau d'eau n'atteint pas cet endroit ; nous cherchons un autre lieu.",
            "nl": "Het waternet bereikt die plek niet; we zoeken een andere plaats.",
        },
    },
    {
        "key": "bikes",
        "idea_words": ("bike", "cyclable", "fiets"),
        "description": {
            "en": "Covered, lit parking for 300 bicycles next to the station entrance.",
            "fr": "Un parking couvert et éclairé pour 300 vélos à l'entrée de la gare.",
            "nl": "Een overdekte, verlichte stalling voor 300 fietsen bij het station.",
        },
        "status": ProjectStatus.PLANNED,
        "start": 2,
        "end": 10,
        "milestones": (0, 2),
        "department": "mobility",
        "budget": ("40000", None),
        "title": {
            "en": "Covered bike parking at the station",
            "fr": "Un parking vélo couvert à la gare",
            "nl": "Overdekte fietsenstalling aan het station",
        },
    },
]

MILESTONES = {
    "en": ["Design", "Permits", "Works", "Opening"],
    "fr": ["Conception", "Autorisations", "Travaux", "Inauguration"],
    "nl": ["Ontwerp", "Vergunningen", "Werken", "Opening"],
}


def _months(today: date, months: int) -> date:
    return today + timedelta(days=30 * months)


def _texts(obj: Any, city: Any, field: str, by_code: dict[str, str]) -> None:
    setattr(obj, field, by_code.get(city.default_language, by_code["en"]))
    for code in city.languages:
        if code != city.default_language and code in by_code:
            set_translation(obj, code, {field: by_code[code]})


def _translate(obj: Any, city: Any, fields: dict[str, dict[str, str]]) -> None:
    """Add the other languages of ``fields`` to a saved object."""
    for code in city.languages:
        if code != city.default_language:
            set_translation(
                obj, code, {f: by_code[code] for f, by_code in fields.items() if code in by_code}
            )
    obj.save(update_fields=["translations"])


def _image(seed: int) -> SimpleUploadedFile:
    """A small drawn picture (no files shipped with the demo)."""
    picture = Image.new("RGB", (640, 360), (214, 234, 223))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 250, 640, 360), fill=(120, 170, 110))
    for i in range(6):
        x = 60 + i * 100 + seed * 7 % 30
        draw.rectangle((x - 6, 190, x + 6, 260), fill=(110, 80, 50))
        draw.ellipse((x - 40, 120, x + 40, 210), fill=(50, 120 + seed * 20 % 80, 60))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return SimpleUploadedFile(f"demo-{seed}.png", buffer.getvalue(), content_type="image/png")


def _departments(city: Any) -> dict[str, Department]:
    found = {}
    for slug, names in DEPARTMENTS.items():
        department = Department.objects.filter(slug=slug).first() or Department(
            city=city, slug=slug
        )
        _texts(department, city, "name", names)
        department.save()
        found[slug] = department
    categories = list(Category.objects.order_by("pk"))
    for index, category in enumerate(categories):
        category.department = list(found.values())[index % len(found)]
        category.save(update_fields=["department"])
    for index, district in enumerate(District.objects.order_by("pk")):
        if district.population is None:
            district.population = 8_000 + 3_500 * index
            district.save(update_fields=["population"])
    return found


def _matching_idea(ideas: list[Idea], words: tuple[str, ...]) -> list[Idea]:
    """The first idea not yet in a project whose title names the project's
    subject (an idea is in one project at most); none when the city has none."""
    for idea in ideas:
        if any(word in idea.title.lower() for word in words):
            ideas.remove(idea)
            return [idea]
    return []


@transaction.atomic
def seed(city: Any, *, stdout: Any, password: str) -> None:
    departments = _departments(city)
    if Project.objects.exists():
        return
    admin = get_user_model().objects.get(email=f"admin@{city.slug}.example")
    citizen = get_user_model().objects.get(email=f"citizen@{city.slug}.example")
    today = timezone.localdate()
    ideas = list(
        Idea.objects.filter(
            status__in=[IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS, IdeaStatus.IMPLEMENTED]
        ).order_by("pk")
    )
    created: dict[str, Project] = {}
    for index, spec in enumerate(PROJECTS):
        linked = _matching_idea(ideas, spec["idea_words"])
        planned, spent = spec["budget"]
        project = services.project_create(
            by=admin,
            title=spec["title"].get(city.default_language, spec["title"]["en"]),
            ideas=linked,
            department=departments[spec["department"]],
            responsible=admin,
            category=linked[0].category if linked else None,
            district=linked[0].district if linked else None,
            planned_start=_months(today, spec["start"]),
            planned_end=_months(today, spec["end"]),
            budget_planned=planned,
            budget_spent=spent,
            description=spec["description"].get(city.default_language, spec["description"]["en"]),
        )
        _translate(project, city, {"title": spec["title"], "description": spec["description"]})
        done, total = spec["milestones"]
        first, last = _months(today, spec["start"]), _months(today, spec["end"])
        step = (last - first) / max(total, 1)
        for n in range(total):
            due = first + step * (n + 1)
            milestone = services.milestone_save(
                project=project,
                by=admin,
                title=MILESTONES.get(city.default_language, MILESTONES["en"])[n],
                due_on=due,
                done_on=min(due, today) if n < done else None,
            )
            _translate(milestone, city, {"title": {c: MILESTONES[c][n] for c in MILESTONES}})
        if spec["status"] != ProjectStatus.PLANNED:
            services.project_set_status(
                project=project,
                by=admin,
                status=ProjectStatus.IN_PROGRESS,
                on=min(first, today),
            )
        if spec["status"] == ProjectStatus.DONE:
            services.project_set_status(
                project=project, by=admin, status=ProjectStatus.DONE, on=min(last, today)
            )
        elif spec["status"] == ProjectStatus.STOPPED:
            reason = spec["reason"]
            services.project_set_status(
                project=project,
                by=admin,
                status=ProjectStatus.STOPPED,
                reason=reason.get(city.default_language, reason["en"]),
            )
        if "update" in spec:
            update = services.update_publish(
                project=project,
                by=admin,
                text=spec["update"].get(city.default_language, spec["update"]["en"]),
                image=_image(index),
                image_alt={
                    "en": "Drawing of young trees on a green slope.",
                    "fr": "Dessin de jeunes arbres sur une pente verte.",
                    "nl": "Tekening van jonge bomen op een groene helling.",
                }.get(city.default_language, "Drawing of young trees on a green slope."),
                published_on=today - timedelta(days=12 + index),
            )
            _translate(update, city, {"text": spec["update"]})
        created[spec["key"]] = project
    # A larger programme made of two parts, weighted 1 and 3.
    programme = services.project_create(
        by=admin,
        title={"en": "Greener streets programme", "fr": "Programme rues vertes"}.get(
            city.default_language, "Programma groenere straten"
        ),
        department=departments["parks"],
        planned_start=_months(today, -4),
        planned_end=_months(today, 12),
    )
    _translate(
        programme,
        city,
        {
            "title": {
                "en": "Greener streets programme",
                "fr": "Programme rues vertes",
                "nl": "Programma groenere straten",
            }
        },
    )
    services.project_edit(project=created["trees"], by=admin, parent=programme, weight=3)
    services.project_edit(project=created["bikes"], by=admin, parent=programme, weight=1)
    services.project_follow(project=created["trees"], user=citizen)
    stdout.write(f"  {Project.objects.count()} projects, {Milestone.objects.count()} milestones")
