"""Ten simultaneous sign-ups with one new address: one account, and nine
ordinary "address taken" answers (no IntegrityError 500)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from allauth.account.forms import SignupForm
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import Client

from tests.conftest import host_of
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 10


def test_ten_simultaneous_signups_make_one_account_and_no_500(city, monkeypatch, settings):
    # Ten sign-ups from one address would meet the per-IP sign-up limit.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": None}
    # Every request passes allauth's "is the address free?" check before any
    # of them writes: the race as it happens under load, made certain.
    barrier = threading.Barrier(RACERS, timeout=20)
    checked = SignupForm.clean

    def clean_then_wait(form):
        cleaned = checked(form)
        barrier.wait()
        return cleaned

    monkeypatch.setattr(SignupForm, "clean", clean_then_wait)

    def sign_up(_: int) -> tuple[int, str]:
        try:
            client = Client(HTTP_HOST=host_of(city), raise_request_exception=False)
            response = client.post(
                "/accounts/signup/",
                {
                    "email": "race@example.org",
                    "password1": PASSWORD,
                    "password2": PASSWORD,
                    "accept_privacy": "on",
                },
            )
            return response.status_code, response.get("Location", "")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        answers = list(pool.map(sign_up, range(RACERS)))

    assert answers == [(302, "/accounts/confirm-email/")] * RACERS
    assert get_user_model().objects.filter(email__iexact="race@example.org").count() == 1
    # The winner's verification mail; the losers' "already exists" mails
    # are throttled per address by allauth.
    assert mail.outbox
    assert {tuple(message.to) for message in mail.outbox} == {("race@example.org",)}
