"""Fixtures of the system tests: the shared browser harness (see `tests/system/browser.py`)."""

from tests.system.browser import browser_for

__all__ = ["browser_for"]
