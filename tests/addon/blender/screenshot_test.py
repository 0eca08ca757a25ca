"""Real-Blender UI test, run under Xvfb by AddonInBlenderTests:

    xvfb-run -a -s "-screen 0 1280x900x24" blender --factory-startup PROJECT/shot.blend \
        --python screenshot_test.py -- ADDON.zip OUTPUT.png RESULT.json

Installs and enables the add-on, shows Render Properties full screen, presses Render on Cloud the way a user does
(INVOKE, asynchronous), and once frames are arriving while the job still runs, saves a screenshot of the panel.
Everything after start-up runs in bpy.app.timers callbacks, as the add-on's own UI does.
"""

import json
import os
import sys
import time
import traceback

import bpy

ZIP, SHOT, RESULT = sys.argv[sys.argv.index("--") + 1:][:3]
state = {"started": time.monotonic(), "result": {"errors": []}, "submitted": False}


def finish():
    with open(RESULT, "w", encoding="utf-8") as handle:
        json.dump(state["result"], handle, indent=2)
    bpy.ops.wm.quit_blender()


def properties_area():
    window = bpy.context.window_manager.windows[0]
    areas = [a for a in window.screen.areas if a.type == "PROPERTIES"]
    return window, (areas[0] if areas else None)


def setup():
    try:
        bpy.ops.preferences.addon_install(filepath=ZIP, overwrite=True)
        bpy.ops.preferences.addon_enable(module="blender_farm")
        prefs = bpy.context.preferences.addons["blender_farm"].preferences
        prefs.local_slots = 2
        bpy.context.preferences.view.show_tooltips = False
        scene = bpy.context.scene
        # Far more frames than the screenshot needs (the job is cancelled right after it), so that even a fast
        # machine is still rendering when frames start to arrive.
        scene.frame_end = 400
        scene.cycles.samples = 64
        window, area = properties_area()
        area.spaces[0].context = "RENDER"
        with bpy.context.temp_override(window=window, area=area):
            bpy.ops.screen.screen_full_area()
        return None
    except Exception:
        state["result"]["errors"].append(traceback.format_exc())
        finish()
        return None


def submit():
    try:
        window, area = properties_area()
        with bpy.context.temp_override(window=window, area=area):
            bpy.ops.blender_farm.render("INVOKE_DEFAULT")
        state["submitted"] = time.monotonic()
        bpy.app.timers.register(wait_for_frames, first_interval=0.5)
    except Exception:
        state["result"]["errors"].append(traceback.format_exc())
        finish()
    return None


def wait_for_frames():
    status = bpy.context.window_manager.blender_farm
    elapsed = time.monotonic() - state["submitted"]
    enough = status.phase == "running" and status.done >= 2 and status.last_frame_path
    if not enough and status.phase not in ("completed", "failed") and elapsed < 90:
        return 0.25
    try:
        window, area = properties_area()
        time.sleep(0.3)
        area.tag_redraw()
        window.cursor_warp(5, 5)  # no tooltip over the panel
        region = next(r for r in area.regions if r.type == "WINDOW")
        with bpy.context.temp_override(window=window, area=area, region=region):
            for _ in range(6):  # the BlenderFarm panel comes after Cycles' panels: scroll to it
                bpy.ops.view2d.scroll_down(page=True)
            bpy.ops.wm.redraw_timer(type="DRAW_WIN_SWAP", iterations=1)
            bpy.ops.screen.screenshot(filepath=SHOT)
        state["result"].update({
            "phase": status.phase, "done": status.done, "total": status.total, "error": status.error,
            "job_id": bpy.context.scene.blender_farm.job_id, "seconds_to_screenshot": elapsed,
            "last_frame_path": status.last_frame_path, "screenshot": SHOT,
        })
        job_id = bpy.context.scene.blender_farm.job_id
        if job_id:  # leave nothing running: the test is about the picture
            from blender_farm import status as farm
            farm.CLIENT.call_sync("job.cancel", {"jobId": job_id})
    except Exception:
        state["result"]["errors"].append(traceback.format_exc())
    finish()
    return None


bpy.app.timers.register(setup, first_interval=0.5)
bpy.app.timers.register(submit, first_interval=2.5)
