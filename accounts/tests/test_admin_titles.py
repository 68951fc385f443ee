"""User and group pages of the admin read as whole Russian sentences, and their deletes count in plurals."""

import pytest
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = [
    ("admin:auth_user_changelist", "Выберите пользователя для изменения"),
    ("admin:auth_user_add", "Добавить пользователя"),
    ("admin:auth_group_changelist", "Выберите группу для изменения"),
    ("admin:auth_group_add", "Добавить группу"),
]


@pytest.mark.parametrize(("page", "title"), PAGES)
def test_user_and_group_page_titles_are_declined_in_russian(appadmin_client, page, title):
    response = appadmin_client.get(reverse(page), HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    assert f"<h1>{title}</h1>" in response.content.decode()


def test_deleting_five_users_says_so_with_the_russian_plural(appadmin_client, make_user):
    users = [make_user(f"user{number}") for number in range(5)]
    data = {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: [user.pk for user in users]}
    url = reverse("admin:auth_user_changelist")
    response = appadmin_client.post(url, {**data, "post": "yes"}, HTTP_ACCEPT_LANGUAGE="ru", follow=True)
    assert "Удалено: 5 пользователей." in [str(message) for message in get_messages(response.wsgi_request)]
    assert not get_user_model().objects.filter(pk__in=[user.pk for user in users]).exists()
