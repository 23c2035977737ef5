"""Open press room: press releases as feeds, open data and web pages."""

import functools
import gc

__version__ = "0.1.0"

# Long runs (a build, an ingest) make objects by the million: with the young generation collected every 700 new
# objects, the collector walks what they keep again and again.
FEWER_COLLECTIONS_YOUNG = 20_000


def fewer_collections(fn):
    """``fn`` with the young generation collected less often, the thresholds put back after."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        before = gc.get_threshold()
        gc.set_threshold(FEWER_COLLECTIONS_YOUNG, *before[1:])
        try:
            return fn(*args, **kwargs)
        finally:
            gc.set_threshold(*before)
    return wrapper


def leave_with_parent(parent: int) -> None:
    """Initializer of pool workers: when their parent is killed (``kill -9``), they would wait for work
    forever; a watch leaves with it."""
    import os
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
