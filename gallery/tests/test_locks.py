import threading

import pytest

from gallery.locks import LockBusy, album_lock, named_lock

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def lock_dir(settings, tmp_path):
    settings.LOCK_DIR = tmp_path / "locks"


def test_a_held_album_lock_refuses_a_second_holder():
    with album_lock(7), pytest.raises(LockBusy, match="busy"), album_lock(7, timeout=0):
        pass


def test_other_albums_are_not_blocked():
    with album_lock(7), album_lock(8, timeout=0):
        pass


def test_the_lock_is_released_when_the_block_ends_or_raises():
    with album_lock(7):
        pass
    with pytest.raises(RuntimeError), album_lock(7):
        raise RuntimeError("the job failed")
    with album_lock(7, timeout=0):
        pass


def test_a_waiting_holder_gets_the_lock_once_it_is_released():
    order = []
    taken = threading.Event()

    def first() -> None:
        with named_lock("album:9"):
            taken.set()
            order.append("first in")
            threading.Event().wait(0.3)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    taken.wait(5)
    with named_lock("album:9", timeout=5):
        order.append("second in")
    thread.join()
    assert order == ["first in", "first out", "second in"]
