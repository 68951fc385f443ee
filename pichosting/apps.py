from django.contrib.admin.apps import AdminConfig


class PicHostingAdminConfig(AdminConfig):
    """django.contrib.admin with PicHosting's site: appadmin only, every change in the action log."""

    default_site = "pichosting.admin_site.PicHostingAdminSite"
