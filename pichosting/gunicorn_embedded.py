"""Gunicorn hooks for the embedded run (`make run`): Ctrl-C ends the web workers at once, quietly.

Without this, a worker busy with a request (a slow upload, a kept-alive browser connection) outlives the
graceful timeout and the master kills it, logging "[ERROR] Worker … was sent SIGKILL". A developer's Ctrl-C
means "stop now": the worker leaves straight away instead.
"""

import os


def worker_int(worker) -> None:
    """Called in a worker on SIGINT/SIGQUIT: leave without waiting for requests in flight."""
    worker.log.info("Worker stopping (pid: %s)", worker.pid)
    os._exit(0)
