"""Finding, starting and connecting to the coordinator (``blenderfarm serve``). Standard library only, no bpy.

The coordinator runs detached from Blender so a job outlives it. It writes ``BLENDERFARM_HOME/run/endpoint.json``
(mode 0600): a Unix socket path on Linux and macOS, or a loopback TCP port plus a secret token on Windows.
All of this runs on a background thread, never on Blender's main thread.
"""

import json
import os
import socket
import subprocess
import sys
import time

from . import rpc

HOME_VARIABLE = "BLENDERFARM_HOME"
COORDINATOR_VARIABLE = "BLENDERFARM_COORDINATOR"


class CoordinatorError(Exception):
    """The coordinator cannot be found, started or reached; the message is one sentence for the user."""


class FarmNotRunning(CoordinatorError):
    """No coordinator answers and the caller asked not to start one (the queue sub-panel only looks)."""


def home_folder(environ=None, platform=None, user_home=None):
    """Where jobs and the endpoint live: the same folder the coordinator uses (JobStore.ForCurrentUser)."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    user_home = os.path.expanduser("~") if user_home is None else user_home
    chosen = environ.get(HOME_VARIABLE, "").strip()
    if chosen:
        return os.path.abspath(chosen)
    if platform.startswith("win"):
        base = environ.get("LOCALAPPDATA") or os.path.join(user_home, "AppData", "Local")
        return os.path.join(base, "BlenderFarm")
    if platform == "darwin":
        return os.path.join(user_home, "Library", "Application Support", "BlenderFarm")
    base = environ.get("XDG_DATA_HOME") or os.path.join(user_home, ".local", "share")
    return os.path.join(base, "blenderfarm")


def endpoint_path(home):
    return os.path.join(home, "run", "endpoint.json")


def read_endpoint(home):
    """The running server's endpoint, or None when there is no (readable) endpoint file."""
    try:
        with open(endpoint_path(home), encoding="utf-8") as handle:
            endpoint = json.load(handle)
    except (OSError, ValueError):
        return None
    return endpoint if isinstance(endpoint, dict) and endpoint.get("transport") in ("unix", "tcp") else None


def executable_name(platform=None):
    platform = sys.platform if platform is None else platform
    return "blenderfarm.exe" if platform.startswith("win") else "blenderfarm"


def find_coordinator(preferred_path, addon_folder, environ=None, platform=None):
    """The coordinator to start: the preference, else the one bundled in the add-on, else $BLENDERFARM_COORDINATOR."""
    environ = os.environ if environ is None else environ
    candidates = []
    if preferred_path:
        candidates.append(("the path in the add-on preferences", os.path.abspath(os.path.expanduser(preferred_path))))
    candidates.append(("the add-on", os.path.join(addon_folder, "coordinator", executable_name(platform))))
    if environ.get(COORDINATOR_VARIABLE):
        candidates.append(("$" + COORDINATOR_VARIABLE, environ[COORDINATOR_VARIABLE]))
    for _, path in candidates:
        if os.path.isfile(path):
            return path
    where, path = candidates[0]
    raise CoordinatorError("The BlenderFarm coordinator is not at %s (from %s): install the add-on zip made for this "
                           "platform, or set the coordinator's path in the add-on preferences." % (path, where))


def open_socket(endpoint, timeout=5.0):
    """A connected socket to the endpoint; only loopback TCP or a Unix socket, never anything else."""
    if endpoint["transport"] == "unix":
        if not hasattr(socket, "AF_UNIX"):
            raise OSError("this Python has no Unix sockets")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        address = endpoint["path"]
    else:
        host = endpoint.get("host") or "127.0.0.1"
        if not host.startswith("127."):
            raise OSError("the endpoint file names %s, which is not a loopback address" % host)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        address = (host, int(endpoint["port"]))
    sock.settimeout(timeout)
    try:
        sock.connect(address)
    except OSError:
        sock.close()
        raise
    sock.settimeout(None)
    return sock


def start_server(coordinator, home, log_path):
    """Starts ``blenderfarm serve`` detached from Blender (its own session / process group), logging to log_path."""
    if not sys.platform.startswith("win") and not os.access(coordinator, os.X_OK):
        # Blender's add-on installer unpacks zips without file modes.
        os.chmod(coordinator, os.stat(coordinator).st_mode | 0o755)
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    env = dict(os.environ)
    env[HOME_VARIABLE] = home
    log = open(log_path, "ab")
    try:
        options = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": log, "env": env, "close_fds": True,
                   "cwd": home}
        if sys.platform.startswith("win"):
            options["creationflags"] = (subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP
                                        | getattr(subprocess, "CREATE_NO_WINDOW", 0))
        else:
            options["start_new_session"] = True
        return subprocess.Popen([coordinator, "serve"], **options)
    except OSError as error:
        raise CoordinatorError("The coordinator %s could not be started: %s." % (coordinator, error.strerror or error)) from None
    finally:
        log.close()


def last_log_line(log_path):
    try:
        with open(log_path, encoding="utf-8", errors="replace") as handle:
            lines = [line.strip() for line in handle.readlines()[-20:] if line.strip()]
    except OSError:
        return None
    return lines[-1] if lines else None


def connect(home, coordinator_finder, client_version, on_notification, on_closed, start_timeout=30.0, start=True):
    """Connects to the user's coordinator, starting it first when none answers (unless ``start`` is false: then
    FarmNotRunning), and handshakes.

    Returns (connection, handshake reply). Raises CoordinatorError or rpc.RpcError with one sentence.
    """
    endpoint = read_endpoint(home)
    sock = _try_open(endpoint)
    if sock is None and not start:
        raise FarmNotRunning("No BlenderFarm farm is running.")
    if sock is None:
        coordinator = coordinator_finder()
        log_path = os.path.join(home, "serve.log")
        process = start_server(coordinator, home, log_path)
        deadline = time.monotonic() + start_timeout
        while sock is None:
            if time.monotonic() > deadline:
                raise CoordinatorError("The coordinator did not start within %d s; see %s." % (start_timeout, log_path))
            time.sleep(0.1)
            code = process.poll()
            endpoint = read_endpoint(home)
            sock = _try_open(endpoint)
            if sock is None and code is not None and code != 5:  # 5: another server won the race; keep trying it.
                reason = last_log_line(log_path) or "exit code %d" % code
                raise CoordinatorError("The coordinator failed to start: %s (log: %s)." % (reason.rstrip("."), log_path))
    connection = rpc.Connection(sock, on_notification=on_notification, on_closed=on_closed)
    try:
        reply = connection.call("handshake", rpc.handshake_params(client_version, endpoint.get("token")), timeout=15.0)
        rpc.check_handshake_reply(reply)
    except rpc.RpcError:
        connection.close()
        raise
    return connection, reply


def _try_open(endpoint):
    if endpoint is None:
        return None
    try:
        return open_socket(endpoint)
    except (OSError, KeyError, ValueError, TypeError):
        return None
