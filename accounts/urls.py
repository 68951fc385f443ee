from django.urls import path
from mozilla_django_oidc.views import OIDCLogoutView

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", OIDCLogoutView.as_view(), name="logout"),
]
