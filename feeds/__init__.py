"""Open press room: press releases as feeds, open data and web pages."""

__version__ = "0.1.0"


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
