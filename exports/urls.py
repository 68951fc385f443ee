from django.urls import path

from exports import public, views

app_name = "exports"

urlpatterns = [
    path("exports/", views.export_page, name="page"),
    path("exports/download", views.export_download, name="download"),
    path("exports/jobs/<int:job_id>/", views.export_job_page, name="job"),
    path("exports/jobs/<int:job_id>/file", views.export_job_file, name="job_file"),
    path("p/<str:token>/<slug:article_slug>/<str:name>", public.public_file, name="public_file"),
]
