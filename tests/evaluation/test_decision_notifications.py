"""A decision tells the evaluators of the idea (``decision_taken``) in the
decision's transaction; the author and supporters hear it once, through
``idea_status_changed``; a refused decision tells nobody."""

from __future__ import annotations

import pytest

from civicideas.errors import InvalidInput, NotAllowed
from civicideas.notifications.kinds import KINDS
from civicideas.notifications.models import Notification
from evaluation import services
from tests.ideas.factories import SupportFactory

pytestmark = pytest.mark.django_db
KIND = "decision_taken"


def decided(idea) -> list[Notification]:
    return list(
        Notification.objects.filter(kind=KIND, subject_ref=f"ideas.idea:{idea.pk}").order_by(
            "recipient_id"
        )
    )


def test_evaluators_of_the_idea_are_told_once_with_the_decision(in_riverton):
    w = in_riverton
    idea, other = w.ideas[0], w.ideas[1]
    for evaluator in w.evaluators[1:3]:
        w.assign(idea, evaluator)
    w.assign(other, w.evaluators[3])  # evaluates another idea only
    services.decision_take(idea=idea, by=w.admin, decision="accept", message="We'll build it")
    rows = decided(idea)
    assert [r.recipient_id for r in rows] == sorted(e.pk for e in w.evaluators[1:3])
    assert rows[0].payload == {
        "idea": idea.pk,
        "title": "Riverton idea 0",
        "status": "accepted",
        "decision": "accept",
        "message": "We'll build it",
    }
    assert Notification.objects.filter(kind=KIND).count() == 2  # nobody else
    kind = KINDS[KIND]
    assert kind.text(rows[0].payload) == "The city decided on “Riverton idea 0”: Accepted."
    assert kind.detail_items(rows[0].payload) == [("Message from the city", "We'll build it")]
    assert kind.link(rows[0]) == f"/ideas/{idea.pk}/"
    assert kind.may_receive({"evaluator"}) and not kind.may_receive({"citizen"})


def test_author_and_supporters_are_not_told_twice(in_riverton):
    w = in_riverton
    idea = w.ideas[0]
    supporting_evaluator = w.evaluators[2]
    SupportFactory(idea=idea, user=supporting_evaluator)
    supporter = SupportFactory(idea=idea).user
    w.assign(idea, w.evaluators[1])
    w.assign(idea, supporting_evaluator)
    services.decision_take(idea=idea, by=w.admin, decision="reject", message="Too costly")
    assert [r.recipient_id for r in decided(idea)] == [w.evaluators[1].pk]
    status_news = set(
        Notification.objects.filter(kind="idea_status_changed").values_list(
            "recipient_id", flat=True
        )
    )
    assert status_news == {idea.author_id, supporter.pk, supporting_evaluator.pk}
    for person in (idea.author_id, supporter.pk, supporting_evaluator.pk):
        assert Notification.objects.filter(recipient_id=person).count() == 1


def test_each_decision_tells_the_evaluators_again(in_riverton):
    w = in_riverton
    idea = w.ideas[0]
    w.assign(idea, w.evaluators[1])
    services.decision_take(idea=idea, by=w.admin, decision="shortlist", message="On the list")
    services.decision_take(idea=idea, by=w.admin, decision="accept", message="Yes")
    assert [r.payload["status"] for r in decided(idea)] == ["under_evaluation", "accepted"]


def test_bulk_decisions_tell_the_evaluators_of_each_idea(in_riverton):
    w = in_riverton
    ideas = w.ideas[:3]
    for i, idea in enumerate(ideas):
        w.assign(idea, w.evaluators[1 + i])
    messages = {ideas[0].pk: "Yes", ideas[1].pk: "", ideas[2].pk: "Yes too"}
    done, _failures = services.decisions_bulk(
        ideas=ideas, by=w.admin, decision="accept", messages=messages
    )
    assert [i.pk for i in done] == [ideas[0].pk, ideas[2].pk]
    assert [r.recipient_id for r in decided(ideas[0])] == [w.evaluators[1].pk]
    assert decided(ideas[1]) == []  # its decision failed (no public answer)
    assert [r.recipient_id for r in decided(ideas[2])] == [w.evaluators[3].pk]
    assert decided(ideas[2])[0].payload["message"] == "Yes too"


@pytest.mark.parametrize(
    ("decision", "message", "error"),
    [
        ("maybe", "?", InvalidInput),
        ("reject", "", InvalidInput),
        ("reject", "   ", InvalidInput),
    ],
)
def test_a_refused_decision_tells_nobody(in_riverton, decision, message, error):
    w = in_riverton
    idea = w.ideas[0]
    w.assign(idea, w.evaluators[1])
    with pytest.raises(error):
        services.decision_take(idea=idea, by=w.admin, decision=decision, message=message)
    assert not Notification.objects.filter(kind__in=[KIND, "idea_status_changed"]).exists()


def test_a_decision_by_someone_not_allowed_tells_nobody(in_riverton):
    w = in_riverton
    w.assign(w.ideas[0], w.evaluators[1])
    for user in (w.evaluators[1], w.moderator, w.citizen):
        with pytest.raises(NotAllowed):
            services.decision_take(idea=w.ideas[0], by=user, decision="accept", message="Yes")
    assert not Notification.objects.filter(kind=KIND).exists()


def test_an_impossible_transition_tells_nobody(in_riverton):
    w = in_riverton
    idea = w.ideas[0]
    w.assign(idea, w.evaluators[1])
    services.decision_take(idea=idea, by=w.admin, decision="accept", message="Yes")
    with pytest.raises(InvalidInput):  # accepted cannot be rejected
        services.decision_take(idea=idea, by=w.admin, decision="reject", message="No")
    assert [r.payload["status"] for r in decided(idea)] == ["accepted"]
