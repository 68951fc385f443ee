"""`SERVER_TIMING` adds Django's wall and CPU time to answers, for benchmarks; off, nothing is said."""

import re

import pytest
from django.test import Client


@pytest.mark.django_db
def test_answers_carry_no_server_timing_by_default():
    assert "Server-Timing" not in Client().get("/accounts/login/")


@pytest.mark.django_db
def test_server_timing_gives_wall_and_cpu_milliseconds(settings):
    settings.SERVER_TIMING = True
    header = Client().get("/accounts/login/")["Server-Timing"]
    assert re.fullmatch(r"app;dur=\d+\.\d\d, cpu;dur=\d+\.\d\d", header)
