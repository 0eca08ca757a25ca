"""Real-Blender UI test, run under Xvfb by AddonInBlenderTests, in two phases:

    blender --factory-startup PROJECT/shot.blend --python reopen_test.py -- ADDON.zip submit RESULT.json
    blender --factory-startup PROJECT/shot.blend --python reopen_test.py -- ADDON.zip reopen RESULT.json

submit: installs and enables the add-on, presses Render on Cloud, waits for the first finished frame, saves the
file (the job id is stored in the scene) and quits Blender with the job still running.
reopen: opens the saved file with the add-on enabled and waits until the panel's status shows that job again,
finished, with its frames; then quits. Everything runs in bpy.app.timers callbacks, as the add-on's UI does.
"""

import json
import sys
import time
import traceback

import bpy

ZIP, PHASE, RESULT = sys.argv[sys.argv.index("--") + 1:][:3]
state = {"started": time.monotonic(), "result": {"errors": [], "phase_run": PHASE}}


def finish():
    with open(RESULT, "w", encoding="utf-8") as handle:
        json.dump(state["result"], handle, indent=2)
    bpy.ops.wm.quit_blender()


def properties_area():
    window = bpy.context.window_manager.windows[0]
    return window, next(a for a in window.screen.areas if a.type == "PROPERTIES")


def guarded(step):
    def run():
        try:
            return step()
        except Exception:
            state["result"]["errors"].append(traceback.format_exc())
            finish()
            return None
    return run


def setup():
    if PHASE == "submit":
        bpy.ops.preferences.addon_install(filepath=ZIP, overwrite=True)
    bpy.ops.preferences.addon_enable(module="blender_farm")
    bpy.context.preferences.addons["blender_farm"].preferences.local_slots = 2
    if PHASE == "submit":
        scene = bpy.context.scene
        scene.frame_end = 60         # long enough to quit Blender mid-job
        scene.cycles.samples = 400
        bpy.app.timers.register(guarded(submit), first_interval=1.0)
    else:
        state["waiting_since"] = time.monotonic()
        bpy.app.timers.register(guarded(wait_for_reopened_job), first_interval=0.5)
    return None


def submit():
    window, area = properties_area()
    area.spaces[0].context = "RENDER"
    with bpy.context.temp_override(window=window, area=area):
        bpy.ops.blender_farm.render("INVOKE_DEFAULT")
    state["waiting_since"] = time.monotonic()
    bpy.app.timers.register(guarded(wait_for_first_frame), first_interval=0.5)
    return None


def wait_for_first_frame():
    status = bpy.context.window_manager.blender_farm
    if not (status.phase == "running" and status.done >= 1) and time.monotonic() - state["waiting_since"] < 120:
        return 0.25
    job_id = bpy.context.scene.blender_farm.job_id
    bpy.ops.wm.save_mainfile()
    state["result"].update({"job_id": job_id, "phase": status.phase, "done": status.done, "total": status.total, "error": status.error})
    finish()  # quit Blender while the job still runs
    return None


def wait_for_reopened_job():
    status = bpy.context.window_manager.blender_farm
    shown = status.job_id and status.phase == "completed" and status.done == status.total and status.total > 0
    if not shown and time.monotonic() - state["waiting_since"] < 120:
        return 0.25
    state["result"].update({
        "job_id": bpy.context.scene.blender_farm.job_id, "shown_job_id": status.job_id, "phase": status.phase,
        "done": status.done, "total": status.total, "error": status.error, "last_frame_path": status.last_frame_path,
    })
    finish()
    return None


bpy.app.timers.register(guarded(setup), first_interval=0.5)
