"""Failed sign-ins are counted for /metrics by way of signing in."""

import pytest
from prometheus_client import REGISTRY

pytestmark = pytest.mark.django_db


def failures(via: str) -> float:
    return REGISTRY.get_sample_value("pichosting_sign_in_failures_total", {"via": via}) or 0.0


def test_a_wrong_password_counts_one_password_failure(client, make_user):
    make_user("anna")
    before = failures("password")
    client.post("/accounts/login/", {"username": "anna", "password": "wrong"})
    assert failures("password") == before + 1
