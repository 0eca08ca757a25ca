"""JSON-RPC 2.0 client for the BlenderFarm coordinator, standard library only, no bpy.

Framing is the same as StreamJsonRpc's HeaderDelimitedMessageHandler: ``Content-Length: N\\r\\n\\r\\n`` then N bytes
of UTF-8 JSON. One reader thread per connection; replies and notifications are handed to callbacks on that
thread (the add-on forwards them to Blender's main thread through a queue.Queue).
"""

import itertools
import json
import socket
import threading

PROTOCOL_VERSION = 2  # Must equal BlenderFarm.Protocol.ProtocolInfo.Version.


class ErrorCode:
    """Numeric error codes (BlenderFarm.Protocol.RpcErrorCode). Branch on these, never on messages."""

    VERSION_MISMATCH = 1001
    HANDSHAKE_REQUIRED = 1002
    BAD_TOKEN = 1003
    INVALID_JOB = 1010
    MISSING_FILES = 1011
    WORKERS_UNAVAILABLE = 1012
    JOB_NOT_FOUND = 1020
    JOB_BUSY = 1021
    JOB_STATE_CONFLICT = 1022
    INTERNAL = 1099
    # Client-side codes (never sent by the server).
    CONNECTION_LOST = -1
    TIMEOUT = -2
    FARM_NOT_RUNNING = -3  # a call that must not start a coordinator found none running


class RpcError(Exception):
    """An error reply (or a lost connection): ``code`` is an ErrorCode, ``message`` one sentence for the user."""

    def __init__(self, code, message, data=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class FramingError(Exception):
    """The peer sent something that is not a Content-Length framed JSON message."""


def encode_message(payload):
    """One framed message: headers, blank line, UTF-8 JSON body."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class MessageReader:
    """Incremental decoder: feed() bytes as they arrive, get back every complete message (dicts)."""

    MAX_HEADER = 8192
    MAX_BODY = 64 * 1024 * 1024

    def __init__(self):
        self._buffer = bytearray()

    def feed(self, data):
        self._buffer.extend(data)
        messages = []
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > self.MAX_HEADER:
                    raise FramingError("message headers are too long")
                return messages
            length = None
            for line in bytes(self._buffer[:end]).split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    try:
                        length = int(value.strip())
                    except ValueError:
                        raise FramingError("bad Content-Length %r" % value.strip()) from None
            if length is None or length < 0 or length > self.MAX_BODY:
                raise FramingError("a message without a valid Content-Length header")
            start = end + 4
            if len(self._buffer) < start + length:
                return messages
            body = bytes(self._buffer[start:start + length])
            del self._buffer[:start + length]
            try:
                messages.append(json.loads(body.decode("utf-8")))
            except ValueError as error:
                raise FramingError("a message body that is not JSON: %s" % error) from None


class Connection:
    """One JSON-RPC connection on a connected socket.

    ``call_async(method, params, on_done)`` sends a request; ``on_done(result, error)`` runs on the reader thread.
    ``call(method, params, timeout)`` blocks for the reply (scripts, tests and background threads only).
    ``on_notification(method, params)`` and ``on_closed(reason)`` run on the reader thread.
    """

    def __init__(self, sock, on_notification=None, on_closed=None):
        self._sock = sock
        self._send_lock = threading.Lock()
        self._pending = {}
        self._pending_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._closed = False
        self.on_notification = on_notification
        self.on_closed = on_closed
        self._reader = threading.Thread(target=self._read_loop, name="blender_farm-rpc-reader", daemon=True)
        self._reader.start()

    @property
    def closed(self):
        return self._closed

    def call_async(self, method, params, on_done):
        request_id = next(self._ids)
        with self._pending_lock:
            if self._closed:
                on_done(None, RpcError(ErrorCode.CONNECTION_LOST, "The connection to the coordinator is closed."))
                return
            self._pending[request_id] = on_done
        try:
            self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}})
        except OSError as error:
            self._fail(request_id, RpcError(ErrorCode.CONNECTION_LOST, "Lost the coordinator: %s." % error))

    def call(self, method, params=None, timeout=30.0):
        done = threading.Event()
        box = {}

        def finish(result, error):
            box["result"], box["error"] = result, error
            done.set()

        self.call_async(method, params, finish)
        if not done.wait(timeout):
            raise RpcError(ErrorCode.TIMEOUT, "The coordinator did not answer %s within %d s." % (method, timeout))
        if box["error"] is not None:
            raise box["error"]
        return box["result"]

    def close(self):
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()

    def _send(self, payload):
        data = encode_message(payload)
        with self._send_lock:
            self._sock.sendall(data)

    def _fail(self, request_id, error):
        with self._pending_lock:
            callback = self._pending.pop(request_id, None)
        if callback is not None:
            callback(None, error)

    def _read_loop(self):
        reader = MessageReader()
        reason = "the coordinator closed the connection"
        try:
            while True:
                data = self._sock.recv(65536)
                if not data:
                    break
                for message in reader.feed(data):
                    self._dispatch(message)
        except (OSError, FramingError) as error:
            reason = str(error)
        finally:
            with self._pending_lock:
                self._closed = True
                pending, self._pending = self._pending, {}
            lost = RpcError(ErrorCode.CONNECTION_LOST, "Lost the connection to the coordinator (%s)." % reason)
            for callback in pending.values():
                callback(None, lost)
            if self.on_closed is not None:
                self.on_closed(reason)

    def _dispatch(self, message):
        if "method" in message and "id" not in message:
            if self.on_notification is not None:
                self.on_notification(message["method"], message.get("params"))
            return
        if "method" in message:
            # The server never calls the client; answer politely so it does not wait.
            self._send({"jsonrpc": "2.0", "id": message["id"],
                        "error": {"code": -32601, "message": "The add-on has no methods."}})
            return
        with self._pending_lock:
            callback = self._pending.pop(message.get("id"), None)
        if callback is None:
            return
        if "error" in message and message["error"] is not None:
            error = message["error"]
            callback(None, RpcError(error.get("code", ErrorCode.INTERNAL), error.get("message", "unknown error"), error.get("data")))
        else:
            callback(message.get("result"), None)


def handshake_params(client_version, token=None):
    return {"protocolVersion": PROTOCOL_VERSION, "client": "blender_farm", "clientVersion": client_version, "token": token}


def check_handshake_reply(reply):
    """The client's half of the version check: refuse a server that answered with another version."""
    server_version = reply.get("protocolVersion")
    if server_version != PROTOCOL_VERSION:
        raise RpcError(ErrorCode.VERSION_MISMATCH,
                       "The coordinator speaks BlenderFarm protocol %s but this add-on speaks %d: install the add-on "
                       "and coordinator from the same BlenderFarm zip." % (server_version, PROTOCOL_VERSION))
    return reply
