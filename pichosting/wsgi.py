"""WSGI entry point (gunicorn pichosting.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pichosting.settings")

application = get_wsgi_application()


def startup_objects_freeze() -> None:
    """Load the URLconf (every view and API schema with it), then take all objects made so far out of the
    garbage collector's scans (`gc.freeze`): they live as long as the process, and rescanning them in each
    full collection added up to tens of milliseconds to a large API page (`bench/api.py`)."""
    get_resolver().url_patterns  # noqa: B018 - imported for its side effect: loading the URLconf
    gc.collect()
    gc.freeze()


startup_objects_freeze()
