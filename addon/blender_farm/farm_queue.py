"""The farm's queue as the sub-panel shows it: rows made from ``queue.list``'s reply, the requests its buttons send,
and when to ask the farm again. Standard library only, no bpy.

Polling rule: the sub-panel's draw() counts its draws; the timer asks ``queue.list`` only when the panel was drawn
since the last answer (an answer redraws the Properties editors, so an open panel keeps the polling going and a
closed one, another tab or a hidden editor stops it), at POLL_SECONDS while a farm answers and IDLE_POLL_SECONDS
while none runs. One request at a time, never starting a farm just to look.
"""

import os
import time

POLL_SECONDS = 2.0
IDLE_POLL_SECONDS = 10.0

PLACES = {
    "rendering": ("Rendering", "RENDER_ANIMATION"),
    "waiting": ("Waiting", "TIME"),
    "paused": ("Paused", "PAUSE"),
}


class Poller:
    """Decides when the timer asks the farm for its queue; ``clock`` is injectable for tests."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._draws = 0
        self._draws_at_answer = 0
        self._asked_at = None
        self.in_flight = False
        self.farm_running = None  # unknown until the first answer

    def drawn(self):
        """The sub-panel was drawn (called from its draw())."""
        self._draws += 1

    def due(self):
        if self.in_flight or self._draws <= self._draws_at_answer:
            return False
        if self._asked_at is None:
            return True
        interval = POLL_SECONDS if self.farm_running else IDLE_POLL_SECONDS
        return self._clock() - self._asked_at >= interval

    def asked(self):
        self.in_flight = True
        self._asked_at = self._clock()

    def answered(self, farm_running):
        self.in_flight = False
        self.farm_running = farm_running
        self._draws_at_answer = self._draws

    def soon(self):
        """Ask at the next tick once drawn again (after a button changed the queue)."""
        self._asked_at = None


def rows(reply):
    """One dict per queued job, in the farm's order, from a ``queue.list`` result (or a queue.pause/resume one)."""
    result = []
    for entry in (reply or {}).get("jobs") or []:
        status = entry.get("status") or {}
        place = entry.get("place") or ""
        word, icon = PLACES.get(place, (place.capitalize() or "Queued", "QUESTION"))
        if place == "paused" and status.get("phase") == "running":
            word = "Pausing"  # paused in the queue, its run still handing back its frames
        result.append({
            "job_id": entry["jobId"],
            "name": os.path.basename(status.get("blendFile") or "") or entry["jobId"],
            "place": place,
            "state": word,
            "icon": icon,
            "priority": int(entry.get("priority") or 0),
            "done": int(status.get("done") or 0),
            "failed": int(status.get("failed") or 0),
            "total": int(status.get("total") or 0),
        })
    return result


def title_text(row):
    """The row's first line: the file and the job it became."""
    return "%s, job %s" % (row["name"], row["job_id"])


def state_text(row):
    return "%s, priority %d" % (row["state"], row["priority"])


def frames_text(row):
    """The text of the row's frames bar (3.4's slider drops what does not fit, so failures get their own line)."""
    return "%d / %d frames" % (row["done"], row["total"])


def failed_text(row):
    failed = row["failed"]
    return "%d frame%s failed" % (failed, "" if failed == 1 else "s") if failed else ""


def summary_text(count, slots):
    if count == 0:
        return "The queue is empty."
    return "%d job%s on %d slot%s" % (count, "" if count == 1 else "s", slots, "" if slots == 1 else "s")


NOT_RUNNING_TEXT = "No farm is running. Add to Queue starts one."


def submit_params(blend_file, frames, output_folder, chunk, blender_path, allow_missing, priority, paused=False):
    """``queue.submit``'s params for a packed copy of the open file."""
    return {
        "blendFile": blend_file,
        "frames": frames,
        "outputFolder": output_folder,
        "chunk": chunk,
        "blenderPath": blender_path,
        "allowMissing": bool(allow_missing),
        "priority": int(priority),
        "paused": bool(paused),
    }


def priority_request(job_id, priority):
    return "queue.priority", {"jobId": job_id, "priority": int(priority)}


def pause_request(job_id):
    return "queue.pause", {"jobIds": [job_id]}


def resume_request(job_id):
    return "queue.resume", {"jobIds": [job_id]}


def cancel_request(job_id):
    return "job.cancel", {"jobId": job_id}
