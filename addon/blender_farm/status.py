"""Blender's side of the connection: a bpy.app.timers callback drains the client's queue on the main thread and
updates the WindowManager status the panel draws; a load_post handler shows a reopened file's job again."""

import os
import time

import bpy
from bpy.app.handlers import persistent

from . import client, coordinator, estimate, preferences, rpc, texts

VERSION = "0.1.0"
CLIENT = client.FarmClient(VERSION)
TICK_SECONDS = 0.25
_watched = {"job": None, "retry_at": 0.0}
_previews = {"collection": None}


def configure(context=None):
    """Hands the client where jobs live and how to find the coordinator (read on the main thread)."""
    prefs = preferences.get(context)
    addon_folder = os.path.dirname(__file__)
    path = prefs.coordinator_path
    CLIENT.configure(coordinator.home_folder(), lambda: coordinator.find_coordinator(path, addon_folder))


def job_status(context=None):
    return (context or bpy.context).window_manager.blender_farm


def scene_settings(context=None):
    scene = getattr(context or bpy.context, "scene", None)
    return scene.blender_farm if scene is not None else None


def format_duration(seconds):
    if seconds is None or seconds < 0:
        return "--"
    seconds = int(round(seconds))
    if seconds >= 3600:
        return "%dh%02dm" % (seconds // 3600, seconds % 3600 // 60)
    if seconds >= 60:
        return "%dm%02ds" % (seconds // 60, seconds % 60)
    return "%ds" % seconds


def apply_status(status, info):
    """Copies a JobStatusInfo (dict) into the WindowManager status."""
    rate = info.get("framesPerMinute")
    status.rate = texts.rate_text(rate, status.rate if status.job_id == info["jobId"] else "")
    status.job_id = info["jobId"]
    status.phase = info["phase"]
    status.upload = ""  # the job exists: its files are up
    status.done, status.failed, status.total = info["done"], info["failed"], info["total"]
    status.progress = 100.0 * info["done"] / info["total"] if info["total"] else 0.0
    finished = info["phase"] != "running" or info["done"] + info["failed"] == info["total"]
    status.eta = "0s" if finished and info["phase"] == "completed" else format_duration(info.get("etaSeconds"))
    status.slots = "; ".join(_slot_text(s) for s in info.get("slots") or [])
    status.hosts = "\n".join(texts.host_lines(info.get("hosts")))
    status.cost = info.get("cost") or 0.0
    status.cost_currency = info.get("costCurrency") or "USD"
    status.output_folder = info.get("outputFolder") or ""
    if info.get("reason") and info["phase"] != "running":
        status.message = info["reason"]
    last = info.get("lastFrame")
    if last:
        show_frame(status, last)


def apply_preparing(status, info):
    """Copies a job.preparing notification (dict) into the WindowManager status: the upload's line and bar."""
    upload = info.get("upload")
    status.busy = info["step"].capitalize() + "..."
    status.upload = "\n".join(texts.upload_lines(upload)) if upload else ""
    status.upload_progress = 100.0 * texts.upload_fraction(upload) if upload else 0.0


LATEST_IMAGE = "BlenderFarm Latest Frame"


def show_frame(status, frame):
    status.last_frame = frame["frame"]
    status.last_frame_path = frame["path"]
    latest_image(frame["path"])


def latest_image(path):
    """The image datablock LATEST_IMAGE (open it in any Image Editor) now shows path; None when unreadable."""
    if not path or not os.path.isfile(path):
        return None
    image = bpy.data.images.get(LATEST_IMAGE)
    try:
        if image is None:
            image = bpy.data.images.load(path, check_existing=False)
            image.name = LATEST_IMAGE
        elif image.filepath != path:
            image.filepath = path
        image.reload()
    except RuntimeError:
        return None
    return image


def progress_text(status):
    """The status bar's line while a job runs; None (Blender's own hints back) otherwise."""
    if status.phase != "running" or not status.total:
        return None
    return "BlenderFarm: %d / %d frames, ETA %s" % (status.done, status.total, status.eta or "--")


def _show_progress(status):
    text = progress_text(status)
    wm = bpy.context.window_manager
    for window in wm.windows if wm else []:
        if window.workspace is not None:
            window.workspace.status_text_set(text)


def _report_end(status):
    """An Info report (and status bar flash) when the scene's job ends or fails."""
    text = status.message or ("Job %s %s" % (status.job_id, status.phase))
    # WARNING, not ERROR: an ERROR report raises in the calling Python, a warning just lands in Info and the bar.
    level = "INFO" if status.phase == "completed" else "WARNING"
    wm = bpy.context.window_manager
    window = wm.windows[0] if wm and wm.windows else None
    try:
        if window is not None:
            with bpy.context.temp_override(window=window):
                bpy.ops.blender_farm.report(level=level, message=text)
        else:
            bpy.ops.blender_farm.report(level=level, message=text)
    except (RuntimeError, AttributeError):  # no window (background) or the operator is gone: the log keeps it
        print("BlenderFarm:", text)


def _slot_text(slot):
    if slot.get("retired"):
        return "%s: retired" % slot["slot"]
    if slot.get("frame") is not None and slot.get("samples"):
        return "%s: frame %d %d/%d" % (slot["slot"], slot["frame"], slot["sample"], slot["samples"])
    return "%s: %s" % (slot["slot"], slot["doing"])


def preview_icon(path):
    """An icon id for the frame's image (for template_icon), loaded once per file version; 0 when unavailable."""
    if not path or not os.path.isfile(path):
        return 0
    from bpy.utils import previews
    if _previews["collection"] is None:
        _previews["collection"] = previews.new()
    collection = _previews["collection"]
    key = "%s:%d" % (path, os.stat(path).st_mtime_ns)
    if key not in collection:
        collection.load(key, path, "IMAGE")
    return collection[key].icon_id


def watch(job_id):
    """Subscribes to a job's notifications and shows its status (asynchronously)."""
    _watched["job"] = job_id

    def done(result, error):
        status = job_status()
        if error is not None:
            if error.code == rpc.ErrorCode.JOB_NOT_FOUND:
                status.error = "Job %s is not in the coordinator's job list any more." % job_id
            else:
                status.error = error.message
                _watched["job"] = None
                _watched["retry_at"] = time.monotonic() + 10.0
            return
        if result["jobId"] == (scene_settings().job_id if scene_settings() else None):
            status.error = ""
            apply_status(status, result)

    configure()
    CLIENT.request("job.watch", {"jobId": job_id}, done)


def handle(item):
    """Runs one inbox item on the main thread."""
    kind = item[0]
    status = job_status()
    settings = scene_settings()
    current = settings.job_id if settings else ""
    if kind == "reply":
        _, on_done, result, error = item
        on_done(result, error)
    elif kind == "connected":
        status.connected = True
    elif kind == "closed":
        status.connected = False
        if status.phase == "running":
            status.error = "The coordinator stopped (%s); resume the job once it is back." % item[1]
            status.phase = "interrupted"
        _watched["job"] = None
        _watched["retry_at"] = time.monotonic() + 3.0
    elif kind == "notify":
        _, method, params = item
        if method == "job.preparing":  # job.submit has not replied: the scene does not know the job id yet
            if params and status.busy:
                apply_preparing(status, params)
            return
        if not params or params.get("jobId") != current:
            return
        if method == "job.progress":
            apply_status(status, params)
        elif method == "frame.done":
            show_frame(status, params)
        elif method == "job.ended":
            apply_status(status, params["status"])
            status.phase = params["phase"]
            status.message = params["message"]
            _report_end(status)


def tick():
    """The timer: drains the inbox, re-watches the scene's job when needed, redraws Properties editors."""
    changed = False
    try:
        for _ in range(200):
            try:
                item = CLIENT.inbox.get_nowait()
            except Exception:  # queue.Empty
                break
            handle(item)
            changed = True
        settings = scene_settings()
        changed = estimate.take_fresh() or changed  # an AWS estimate arrived: show it
        if settings is not None and settings.job_id and settings.job_id != _watched["job"] \
                and time.monotonic() >= _watched["retry_at"]:
            watch(settings.job_id)
    except Exception as error:  # Never let a timer die with a traceback; show it instead.
        try:
            job_status().error = "BlenderFarm: %s" % error
        except Exception:
            pass
    if changed:
        try:
            _show_progress(job_status())
        except Exception:  # the status bar is a nicety; never break the timer over it
            pass
        _redraw()
    return TICK_SECONDS


def _redraw():
    wm = bpy.context.window_manager
    for window in wm.windows if wm else []:
        for area in window.screen.areas:
            if area.type == "PROPERTIES":
                area.tag_redraw()


@persistent
def _on_load(_dummy):
    status = job_status()
    for name in ("job_id", "phase", "message", "error", "missing", "eta", "rate", "slots", "hosts", "last_frame_path", "busy"):
        setattr(status, name, "")
    status.done = status.failed = status.total = 0
    status.progress = 0.0
    _watched["job"] = None
    _watched["retry_at"] = 0.0


def register():
    bpy.app.handlers.load_post.append(_on_load)
    if not bpy.app.timers.is_registered(tick):
        bpy.app.timers.register(tick, first_interval=TICK_SECONDS, persistent=True)


def unregister():
    if bpy.app.timers.is_registered(tick):
        bpy.app.timers.unregister(tick)
    if _on_load in bpy.app.handlers.load_post:
        bpy.app.handlers.load_post.remove(_on_load)
    if _previews["collection"] is not None:
        from bpy.utils import previews
        previews.remove(_previews["collection"])
        _previews["collection"] = None
    CLIENT.close()
