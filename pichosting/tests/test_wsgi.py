"""The WSGI entry point: the application, and start-up objects kept out of the collector's scans."""

import gc

from django.core.handlers.wsgi import WSGIHandler


def test_the_wsgi_module_serves_django_and_freezes_what_start_up_made():
    import pichosting.wsgi

    try:
        gc.unfreeze()
        pichosting.wsgi.startup_objects_freeze()
        assert isinstance(pichosting.wsgi.application, WSGIHandler)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
