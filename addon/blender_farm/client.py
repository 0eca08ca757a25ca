"""The add-on's one connection to the coordinator, used from Blender's main thread without ever waiting on it.

``request()`` queues a call; a worker thread connects (starting the coordinator when none answers), sends it, and
the reply comes back through ``inbox`` (a queue.Queue) that status.py drains on the main thread with a timer.
Notifications and a lost connection arrive the same way. ``call_sync()`` is for scripts and tests only.
No bpy here.
"""

import queue
import threading

from . import coordinator, rpc


class FarmClient:
    def __init__(self, client_version):
        self.client_version = client_version
        self.inbox = queue.Queue()
        self._outbox = queue.Queue()
        self._lock = threading.Lock()
        self._connection = None
        self._worker = None
        self._settings = None  # (home, finder) captured on the main thread
        self.server = None     # the handshake reply of the current connection

    def configure(self, home, coordinator_finder):
        with self._lock:
            self._settings = (home, coordinator_finder)

    @property
    def connected(self):
        connection = self._connection
        return connection is not None and not connection.closed

    def request(self, method, params, on_done=None, start=True):
        """Queues a call; ``on_done(result, error)`` later runs on the main thread (via the inbox). With ``start``
        false no coordinator is started for it: when none runs the call fails with ErrorCode.FARM_NOT_RUNNING."""
        self._outbox.put((method, params, on_done, start))
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="blender_farm-client", daemon=True)
                self._worker.start()

    def call_sync(self, method, params=None, timeout=60.0):
        """Blocking call for scripts and tests (never from the UI): connects first when needed."""
        return self._ensure_connected().call(method, params, timeout=timeout)

    def close(self):
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _work(self):
        while True:
            try:
                method, params, on_done, start = self._outbox.get(timeout=5.0)
            except queue.Empty:
                return
            try:
                connection = self._ensure_connected(start)
            except (coordinator.CoordinatorError, rpc.RpcError, OSError) as error:
                self._reply(on_done, None, _as_rpc_error(error))
                continue
            connection.call_async(method, params, lambda result, error, cb=on_done: self._reply(cb, result, error))

    def _reply(self, on_done, result, error):
        if on_done is not None:
            self.inbox.put(("reply", on_done, result, error))

    def _ensure_connected(self, start=True):
        with self._lock:
            if self._connection is not None and not self._connection.closed:
                return self._connection
            if self._settings is None:
                raise coordinator.CoordinatorError("The add-on is not configured yet.")
            home, finder = self._settings
            connection, reply = coordinator.connect(
                home, finder, self.client_version,
                on_notification=lambda method, params: self.inbox.put(("notify", method, params)),
                on_closed=lambda reason: self.inbox.put(("closed", reason)), start=start)
            self._connection = connection
            self.server = reply
            self.inbox.put(("connected", reply))
            return connection


def _as_rpc_error(error):
    if isinstance(error, rpc.RpcError):
        return error
    if isinstance(error, coordinator.FarmNotRunning):
        return rpc.RpcError(rpc.ErrorCode.FARM_NOT_RUNNING, str(error))
    return rpc.RpcError(rpc.ErrorCode.CONNECTION_LOST, str(error) if isinstance(error, coordinator.CoordinatorError)
                        else "The coordinator cannot be reached: %s." % error)
