"""The farm's queue on Blender's side: a bpy.app.timers callback asks ``queue.list`` (on the client's thread, never
waiting here) while the queue sub-panel is drawn, and the answer fills the WindowManager's ``queue`` collection the
sub-panel draws. It never starts a farm just to look (farm_queue.Poller has the rule)."""

import bpy

from . import farm_queue, rpc, status

TICK_SECONDS = 1.0
POLLER = farm_queue.Poller()


def apply_queue(job_status, reply):
    """Copies a queue.list result (dict) into the WindowManager status."""
    rows = farm_queue.rows(reply)
    job_status.queue.clear()
    for row in rows:
        item = job_status.queue.add()
        item.job_id, item.title, item.place = row["job_id"], farm_queue.title_text(row), row["place"]
        item.state, item.frames = farm_queue.state_text(row), farm_queue.frames_text(row)
        item.failed = farm_queue.failed_text(row)
        item.icon, item.priority = row["icon"], row["priority"]
        item.progress = 100.0 * row["done"] / row["total"] if row["total"] else 0.0
    job_status.queue_slots = int((reply or {}).get("slots") or 0)
    job_status.queue_message = "" if rows else farm_queue.summary_text(0, 0)


def _answered(result, error):
    """Main thread: queue.list's answer (or its failure)."""
    job_status = status.job_status()
    POLLER.answered(farm_running=error is None)
    if error is None:
        apply_queue(job_status, result)
    else:
        job_status.queue.clear()
        job_status.queue_message = (farm_queue.NOT_RUNNING_TEXT if error.code == rpc.ErrorCode.FARM_NOT_RUNNING
                                    else error.message)
    status._redraw()


def send(method, params, applies_queue=False):
    """A button's request; the queue is asked again once it is answered (a queue.pause/resume answer is the queue)."""
    status.configure()

    def done(result, error):
        job_status = status.job_status()
        if error is not None:
            job_status.queue_message = error.message
        elif applies_queue:
            apply_queue(job_status, result)
        POLLER.soon()
        status._redraw()

    status.CLIENT.request(method, params, done)


def tick():
    try:
        if POLLER.due():
            status.configure()
            POLLER.asked()
            status.CLIENT.request("queue.list", {}, _answered, start=False)
    except Exception as error:  # never let the timer die; the sub-panel shows why
        POLLER.answered(farm_running=False)
        try:
            status.job_status().queue_message = "BlenderFarm: %s" % error
        except Exception:
            pass
    return TICK_SECONDS


def register():
    if not bpy.app.timers.is_registered(tick):
        bpy.app.timers.register(tick, first_interval=TICK_SECONDS, persistent=True)


def unregister():
    if bpy.app.timers.is_registered(tick):
        bpy.app.timers.unregister(tick)
