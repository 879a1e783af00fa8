"""A FIFO-ish queue in front of SQLite's write lock.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps in
growing steps (up to 100 ms) and so turns a 2 ms wait into a 50 ms one under load. Here a
writer first takes a thread lock (per process) and an ``flock`` on a file next to the
database (across gunicorn and RQ processes): waiters wake the moment the holder commits,
and ``BEGIN IMMEDIATE`` then succeeds at once.
"""
import fcntl
import os
import threading
import time

from sqlalchemy.exc import OperationalError

#: Give up waiting for the write lock after this long, as SQLite's own busy timeout would.
WAIT_SECONDS = 60


class WriteQueue:
    def __init__(self, lock_path):
        self.lock_path = lock_path
        self._thread_lock = threading.Lock()
        self._fd = None
        self._pid = None

    def _file(self):
        if self._pid != os.getpid():  # a forked worker must not share its parent's descriptor
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self):
        """Raises OperationalError after WAIT_SECONDS (e.g. one thread holding two writers)."""
        if not self._thread_lock.acquire(timeout=WAIT_SECONDS):
            raise OperationalError("BEGIN IMMEDIATE", {}, TimeoutError("waited too long for the write lock"))
        deadline = time.monotonic() + WAIT_SECONDS
        fd = self._file()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self._thread_lock.release()
                    raise OperationalError("BEGIN IMMEDIATE", {}, TimeoutError("write lock busy")) from None
                # Only one thread per process gets here, so a blocking wait is safe; the
                # non-blocking try first keeps the common uncontended path to one syscall.
                fcntl.flock(fd, fcntl.LOCK_EX)
                return

    def release(self):
        fcntl.flock(self._file(), fcntl.LOCK_UN)
        self._thread_lock.release()
