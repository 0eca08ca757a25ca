"""The AWS estimate before the first click. When Workers is AWS Spot the panel asks for the coordinator's `plan`
figures (`blenderfarm plan FILE --workers aws:... --frames F --json`: instances, spot price per hour and, from one
sample frame, the estimated time and cost). The command runs on a background thread; the main thread only reads
the last answer, and the add-on's timer redraws the panel when one arrives. A new answer is asked for whenever the
saved file, the workers' settings or the frames change. Standard library only, no bpy."""

import json
import subprocess
import threading

_lock = threading.Lock()
_state = {"key": None, "generation": 0, "running": False, "figures": None, "error": "", "fresh": False}


def request(key, make_command):
    """Asks for the figures of key (any hashable: file, its mtime, workers, frames) by running the command that
    make_command() returns, unless key is already asked for or answered. Never blocks; when make_command raises
    (no coordinator found), its message is the answer."""
    with _lock:
        if key == _state["key"]:
            return
    try:
        command = make_command()
    except Exception as error:  # the coordinator cannot be found: one sentence for the panel
        set_result(key, error=str(error))
        return
    with _lock:
        _state["generation"] += 1
        generation = _state["generation"]
        _state.update(key=key, running=True, figures=None, error="")
    threading.Thread(target=_run, args=(generation, command), name="blenderfarm-estimate", daemon=True).start()


def set_result(key, figures=None, error=""):
    """Stores an answer for key as if a plan had returned it (the panel test and an offline error use it)."""
    with _lock:
        _state["generation"] += 1
        _state.update(key=key, running=False, figures=figures, error=error, fresh=True)


def current():
    """(running, figures dict or None, error text) for the key asked for last."""
    with _lock:
        return _state["running"], _state["figures"], _state["error"]


def take_fresh():
    """True once after an answer arrived (the timer then redraws the panel)."""
    with _lock:
        fresh, _state["fresh"] = _state["fresh"], False
        return fresh


def parse(stdout, stderr, code):
    """(figures, error) from a finished `plan --json`: the JSON line, or the coordinator's one-sentence message."""
    for line in reversed((stdout or "").splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line), ""
            except ValueError:
                break
    lines = [l.strip() for l in ((stderr or "") + "\n" + (stdout or "")).splitlines() if l.strip()]
    return None, (lines[-1] if lines else "The estimate failed (exit %s)." % code)


def _run(generation, command):
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=900,
                                   stdin=subprocess.DEVNULL)
        figures, error = parse(completed.stdout, completed.stderr, completed.returncode)
    except (OSError, subprocess.SubprocessError) as failure:
        figures, error = None, "The estimate could not run: %s" % failure
    with _lock:
        if generation == _state["generation"]:
            _state.update(running=False, figures=figures, error=error, fresh=True)
