"""Real-Blender queue test under Xvfb, run by AddonInBlenderTests with the zip's own coordinator:

    xvfb-run -a -s "-screen 0 1280x2000x24" blender --factory-startup PROJECT/shot.blend \
        --python queue_test.py -- ADDON.zip OUTPUT.png RESULT.json

Adds two scenes of the open file to the farm's queue one after the other with the Farm Queue sub-panel's Add to
Queue (the second at a higher priority), then uses each job's buttons: pause, raise the priority, resume, cancel.
After each step it waits until the sub-panel's list (what the add-on's own timer got from queue.list) shows the
change, and records that list; with both jobs listed it saves a screenshot. Everything runs in bpy.app.timers
callbacks, as the add-on's UI does.
"""

import json
import sys
import time
import traceback

import bpy

ZIP, SHOT, RESULT = sys.argv[sys.argv.index("--") + 1:][:3]
result = {"errors": [], "steps": {}, "jobs": {}}
state = {"step": 0, "since": 0.0}


def finish():
    with open(RESULT, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    bpy.ops.wm.quit_blender()


def properties_area():
    window = bpy.context.window_manager.windows[0]
    return window, next(a for a in window.screen.areas if a.type == "PROPERTIES")


def rows():
    return [{"job_id": q.job_id, "title": q.title, "place": q.place, "priority": q.priority, "state": q.state}
            for q in bpy.context.window_manager.blender_farm.queue]


def run_operator(name, **properties):
    window, area = properties_area()
    with bpy.context.temp_override(window=window, area=area):
        getattr(bpy.ops.blender_farm, name)(**properties)


def add_scene_to_queue(scene_name, priority):
    """Shows the scene in the window, as a user picks it, then (once the context has it) presses Add to Queue."""
    def press():
        try:
            settings = bpy.context.window_manager.windows[0].scene.blender_farm
            settings.queue_priority = priority
            settings.queue_paused = True  # nothing renders until the test resumes it
            run_operator("queue_submit")
        except Exception:
            result["errors"].append("%s: %s" % (scene_name, traceback.format_exc()))
            finish()
        return None

    def action():
        bpy.context.window_manager.windows[0].scene = bpy.data.scenes[scene_name]
        bpy.app.timers.register(press, first_interval=0.5)
    return action


def job(scene_name):
    return bpy.data.scenes[scene_name].blender_farm.job_id


def place(scene_name):
    return next((r["place"] for r in rows() if r["job_id"] == job(scene_name)), None)


def screenshot():
    window, area = properties_area()
    area.tag_redraw()
    window.cursor_warp(5, 5)  # no tooltip over the panel
    with bpy.context.temp_override(window=window, area=area):
        bpy.ops.wm.redraw_timer(type="DRAW_WIN_SWAP", iterations=2)
        bpy.ops.screen.screenshot(filepath=SHOT)
    result["screenshot"] = SHOT


# (name, what the test presses, what the sub-panel must then list)
STEPS = [
    ("first", add_scene_to_queue("Scene", 0), lambda: job("Scene") and place("Scene") == "paused"),
    ("second", add_scene_to_queue("Night", 3), lambda: job("Night") and len(rows()) == 2),
    ("first_raised", lambda: run_operator("queue_priority", job_id=job("Scene"), priority=4),
     lambda: rows() and rows()[0]["job_id"] == job("Scene") and rows()[0]["priority"] == 4),
    ("screenshot", screenshot, lambda: True),
    ("first_resumed", lambda: run_operator("queue_resume", job_id=job("Scene")), lambda: place("Scene") in ("rendering", "waiting")),
    # Paused once its run has stopped ("Pausing" while it hands its frames back): cancel comes after that.
    ("first_paused", lambda: run_operator("queue_pause", job_id=job("Scene")),
     lambda: place("Scene") == "paused" and rows()[0]["state"].startswith("Paused")),
    ("cancelled", lambda: (run_operator("queue_cancel", job_id=job("Scene")), run_operator("queue_cancel", job_id=job("Night"))),
     lambda: not rows() and bpy.context.window_manager.blender_farm.queue_message),
]


def setup():
    try:
        bpy.ops.preferences.addon_install(filepath=ZIP, overwrite=True)
        bpy.ops.preferences.addon_enable(module="blender_farm")
        prefs = bpy.context.preferences.addons["blender_farm"].preferences
        prefs.local_slots = 1
        bpy.context.preferences.view.show_tooltips = False
        scene = bpy.context.scene
        scene.name = "Scene"
        # Slow frames (about a second each here): once resumed, it is still rendering when it is paused again.
        scene.frame_end = 200
        scene.render.resolution_x, scene.render.resolution_y, scene.cycles.samples = 320, 240, 256
        window, area = properties_area()
        area.spaces[0].context = "RENDER"
        for other in [a for a in window.screen.areas if a.type == "OUTLINER"]:  # a taller Properties editor
            with bpy.context.temp_override(window=window, area=other):
                bpy.ops.screen.area_close()
        with bpy.context.temp_override(window=window):
            bpy.ops.scene.new(type="FULL_COPY")
        window.scene.name = "Night"
        bpy.app.timers.register(next_step, first_interval=1.0)
    except Exception:
        result["errors"].append(traceback.format_exc())
        finish()
    return None


def next_step():
    try:
        name, action, _ = STEPS[state["step"]]
        action()
        state["since"] = time.monotonic()
        bpy.app.timers.register(wait_for_list, first_interval=0.25)
    except Exception:
        result["errors"].append("%s: %s" % (STEPS[state["step"]][0], traceback.format_exc()))
        finish()
    return None


def wait_for_list():
    name, _, shown = STEPS[state["step"]]
    try:
        if not shown():
            if time.monotonic() - state["since"] < 90:
                return 0.25
            status = bpy.context.window_manager.blender_farm
            result["errors"].append("%s: the sub-panel did not show it in 90 s: %s (%s; %s)" % (
                name, rows(), status.queue_message, status.error))
            finish()
            return None
        result["steps"][name] = rows()
        result["jobs"] = {s.name: s.blender_farm.job_id for s in bpy.data.scenes}
        state["step"] += 1
        if state["step"] < len(STEPS):
            bpy.app.timers.register(next_step, first_interval=0.1)
        else:
            result["message"] = bpy.context.window_manager.blender_farm.queue_message
            finish()
    except Exception:
        result["errors"].append("%s: %s" % (name, traceback.format_exc()))
        finish()
    return None


bpy.app.timers.register(setup, first_interval=0.5)
