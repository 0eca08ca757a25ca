"""Real-Blender UI test under Xvfb, run by PanelScreenshotTests on every Blender of the version matrix:

    xvfb-run -a -s "-screen 0 1280x2000x24" sh xcapture.sh REQUESTS BLENDER --factory-startup SHOT.blend \
        --python panel_widths_test.py -- ADDON_FOLDER OUTPUT_FOLDER RESULT.json WIDTH_NAME REQUESTS

Shows the BlenderFarm panel in Blender's default layout, whose Properties editor widens with the window: about
222 px on a 1280 px screen (WIDTH_NAME default), 300 px on 1730 px (300), or maximised: every other area of the
window closed, so the Properties editor takes the whole window (max; screen_full_area crashes 3.4 and 4.3.2 under
Xvfb). In five states (start, the AWS estimate before the first click, mid-job with three jobs in the Farm Queue
sub-panel, end, error) it saves a screenshot of
the Properties region: it asks xcapture.sh, outside Blender, for that part of the X screen (4.3/5.2's own screenshot
operator saves black under Xvfb). For each state it also replays the panel's draw() on a recording layout and
measures every label's and button's text with blf against the width it gets, listing any that would be cut; a text
one pixel too wide must be listed, or the check itself is reported broken.
"""

import json
import os
import sys
import traceback

import bpy

ADDON, OUT, RESULT, WIDTH_NAMES, REQUESTS = sys.argv[sys.argv.index("--") + 1:][:5]
result = {"errors": [], "shots": [], "cut": [], "version": "%d.%d" % bpy.app.version[:2]}
STATES = ["start", "aws", "running", "end", "error"]
PLAN = {"frames": 250, "instances": 4, "instanceType": "g4dn.xlarge", "zone": "us-east-1a", "usdPerHour": 0.2104,
        "maxCostUsd": 10.0, "sampleSeconds": 14.2, "estimateSeconds": 1187.5, "estimateUsd": 0.28}
WIDTHS = [WIDTH_NAMES]
plan = [(w, s) for w in WIDTHS for s in STATES]
step = {"i": 0}


class Recorder:
    """Stands in for UILayout: records each text with the width share it gets (splits halve it roughly)."""

    def __init__(self, sink, share=1.0, split=False, inset=0):
        self.sink, self.share, self._split, self.inset = sink, share, split, inset
        self.use_property_split = split
        self.use_property_decorate = self.enabled = self.active = True
        self.scale_y = 1.0
        self.operator_context = "INVOKE_DEFAULT"

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)

    def _child(self, share=None, inset=0):
        return Recorder(self.sink, self.share if share is None else share, self.use_property_split,
                        self.inset + inset)

    def column(self, **_):
        return self._child()

    row = column

    def box(self):
        # A box's labels get about 10 px less than the panel's: seen cut on 4.3 and 5.2 at 123 px of 126.
        return self._child(inset=10)

    def split(self, factor=0.5, **_):
        return self._child(self.share * factor)

    def grid_flow(self, columns=1, **_):
        return self._child(self.share / max(1, columns))

    def separator(self, **_):
        pass

    def label(self, text="", icon="NONE", **_):
        self.sink.append(("label", text, icon != "NONE", self.share, self.inset))

    def operator(self, idname, text=None, icon="NONE", **_):
        if text is None:
            module, name = idname.split(".")
            text = getattr(bpy.types, module.upper() + "_OT_" + name).bl_label
        self.sink.append(("button", text, icon != "NONE", self.share, self.inset))
        return type("Props", (), {})()

    def prop(self, data, name, text=None, **_):
        """A property's own label: with use_property_split Blender gives it the left 40% of the row (a checkbox's
        name sits right of its box, in the other 60%); without, the whole row."""
        rna = data.bl_rna.properties[name]
        text = rna.name if text is None else text
        if not text:
            return
        boolean = rna.type == "BOOLEAN"
        if not self.use_property_split:
            self.sink.append(("button", text, boolean, self.share, self.inset))
        else:
            self.sink.append(("split-value" if boolean else "split-label", text, boolean, self.share, self.inset))

    def progress(self, **_):
        pass

    def template_icon(self, **_):
        pass


def properties_area():
    window = bpy.context.window_manager.windows[0]
    return window, next(a for a in window.screen.areas if a.type == "PROPERTIES")


# The farm's queue (queue.list's result) shown mid-job: two files, three jobs, one of each place.
QUEUE = {"slots": 2, "jobs": [
    {"jobId": "20261202-0003", "priority": 5, "place": "rendering", "slots": 2,
     "status": {"blendFile": "/home/artist/.local/share/blenderfarm/packs/shot-20261202-101500/shot.blend", "done": 12, "failed": 1, "total": 40}},
    {"jobId": "20261202-0004", "priority": 0, "place": "waiting", "slots": 0,
     "status": {"blendFile": "/home/artist/.local/share/blenderfarm/packs/shot-20261202-101500-2/shot.blend", "done": 0, "failed": 0, "total": 250}},
    {"jobId": "20261202-0005", "priority": -2, "place": "paused", "slots": 0,
     "status": {"blendFile": "/home/artist/projects/opening_titles_final_v12.blend", "done": 3, "failed": 0, "total": 120}},
]}


def set_queue(name):
    """The queue sub-panel: no farm at start, three jobs mid-job, empty at the end, nothing known otherwise."""
    from blender_farm import farm_queue, queue_status
    job = bpy.context.window_manager.blender_farm
    queue_status.apply_queue(job, QUEUE if name == "running" else {"jobs": [], "slots": 2})
    job.queue_message = {"start": farm_queue.NOT_RUNNING_TEXT, "end": farm_queue.summary_text(0, 2)}.get(name, "")


def set_state(name):
    from blender_farm import estimate, panels, preferences, status
    set_queue(name)
    scene, job = bpy.context.scene, bpy.context.window_manager.blender_farm
    scene.blender_farm.workers = "AWS" if name == "aws" else "DEFAULT"
    if name == "aws":  # what `plan --json` answers (PlanCommand's own test checks it against the fake EC2)
        prefs = preferences.get(bpy.context)
        estimate.set_result(panels.estimate_key(bpy.context, scene.blender_farm, prefs), figures=PLAN)
    for field in ("job_id", "phase", "message", "error", "missing", "eta", "rate", "slots", "output_folder"):
        setattr(job, field, "")
    job.done = job.failed = job.total = 0
    job.progress, job.cost = 0.0, 0.0
    scene.blender_farm.job_id = ""
    if name in ("start", "aws"):
        return
    scene.blender_farm.job_id = job.job_id = "20261202-0003"
    status._watched["job"] = job.job_id
    job.output_folder = "/home/artist/projects/shot/shot-frames"
    job.total, job.rate, job.slots = 40, "208.4 frames/min", "local-1: frame 5 12/64; local-2: frame 6 3/64"
    if name == "running":
        job.phase, job.done, job.eta = "running", 12, "1m20s"
    elif name == "end":
        job.phase, job.done, job.eta = "completed", 40, "0s"
        job.message = ("Job 20261202-0003 completed: 40 frames in 13s (208.4 frames/min); frames in "
                       "/home/artist/projects/shot/shot-frames")
    else:
        job.phase, job.done, job.failed = "failed", 12, 1
        job.error = ("Some files this scene uses are missing: //textures/checker_8k_diffuse.png (image 'Checker'). "
                     "Fix their paths, or press Render again and choose Render Anyway.")
    job.progress = 100.0 * job.done / job.total


def check_cut(context_region, tag):
    from blender_farm import panels
    sink = []

    panel = panels.RENDER_PT_blender_farm

    class Fake:
        layout = Recorder(sink)
        _draw_job = staticmethod(panel._draw_job)
        _draw_workers_setting = staticmethod(panel._draw_workers_setting)

    class Ctx:
        scene = bpy.context.scene
        window_manager = bpy.context.window_manager
        preferences = bpy.context.preferences
        region = context_region

    panel.draw(Fake(), Ctx())
    panels.RENDER_PT_blender_farm_queue.draw(Fake(), Ctx())
    if bpy.context.scene.blender_farm.job_id:
        panels.RENDER_PT_blender_farm_details.draw(Fake(), Ctx())
    scale = bpy.context.preferences.system.ui_scale
    def available(kind, icon, share, inset=0):
        # Measured on 3.4's default theme: a button's text gets the region less 34 px, a label's less 44 px; a
        # split property's name the left 40% of the button's room less 8 px padding, a checkbox's the right 60%
        # less 6 px (4.3 cut "Auto Chunks" at 70 px of a modelled 71).
        room = (context_region.width - (44 if kind == "label" else 34) * scale) * share - inset * scale
        if kind == "split-label":
            room = room * 0.4 - 8 * scale
        elif kind == "split-value":
            room = room * 0.6 - 6 * scale
        return room - (22 * scale if icon else 0)

    for kind, text, icon, share, inset in sink:
        width = panels.text_width(Ctx(), text)
        if width > available(kind, icon, share, inset):
            result["cut"].append({"shot": tag, "text": text, "width": round(width),
                                  "available": round(available(kind, icon, share, inset))})
    # The check must be able to fail: a label one letter wider than the region is caught.
    canary = "W"
    while panels.text_width(Ctx(), canary) <= available("label", True, 1.0):
        canary += "W"
    result.setdefault("canary_caught", True)
    result["canary_caught"] &= panels.text_width(Ctx(), canary) > available("label", True, 1.0)
    result.setdefault("texts_seen", []).extend(
        "%s %s %d/%d" % (kind, text, panels.text_width(Ctx(), text), available(kind, icon, share, inset))
        for kind, text, icon, share, inset in sink)
    return len(sink)


def setup():
    try:
        sys.path.insert(0, os.path.dirname(ADDON))
        import addon_utils
        # Enabled from its source folder as a legacy add-on, so its preferences (the workers) exist.
        if addon_utils.enable("blender_farm", default_set=True) is None:
            raise RuntimeError("the add-on did not enable from %s" % ADDON)
        bpy.context.preferences.view.show_tooltips = False
        from blender_farm import queue_status  # the test sets the queue: no timer may ask a farm for it
        bpy.app.timers.unregister(queue_status.tick)
        # A saved file: the AWS estimate is asked for the file on disk (the test opens one, so no splash shows).
        if not bpy.data.filepath:
            bpy.ops.wm.save_as_mainfile(filepath=os.path.join(os.path.dirname(RESULT), "shot-%s-%s.blend" % (result["version"], WIDTH_NAMES)))
        window, area = properties_area()
        area.spaces[0].context = "RENDER"
        if WIDTH_NAMES == "max":
            for other in [a for a in window.screen.areas if a != area]:
                with bpy.context.temp_override(window=window, area=other):
                    bpy.ops.screen.area_close()
        else:  # the Outliner above gives the editor its height (same width), so the Farm Queue's jobs are in view
            for other in [a for a in window.screen.areas if a.type == "OUTLINER"]:
                with bpy.context.temp_override(window=window, area=other):
                    bpy.ops.screen.area_close()
        result["window"] = [window.width, window.height]
        bpy.app.timers.register(next_shot, first_interval=0.5)
    except Exception:
        result["errors"].append(traceback.format_exc())
        finish()


def next_shot():
    try:
        _width, state = plan[step["i"]]
        set_state(state)
        properties_area()[1].tag_redraw()
        bpy.app.timers.register(settle, first_interval=0.3)
    except Exception:
        result["errors"].append(traceback.format_exc())
        finish()
    return None


def settle():
    """Draws the new state once, then lets Blender's event loop run the panels' slide to their new heights."""
    try:
        window, area = properties_area()
        region = next(r for r in area.regions if r.type == "WINDOW")
        with bpy.context.temp_override(window=window, area=area, region=region):
            bpy.ops.wm.redraw_timer(type="DRAW_SWAP", iterations=1)
        area.tag_redraw()
        bpy.app.timers.register(take_shot, first_interval=1.0)
    except Exception:
        result["errors"].append(traceback.format_exc())
        finish()
    return None


def take_shot():
    try:
        width, state = plan[step["i"]]
        window, area = properties_area()
        region = next(r for r in area.regions if r.type == "WINDOW")
        result["default_width"] = area.width
        tag = "%s-%s" % (width, state)
        path = os.path.join(OUT, "panel-%s-%s.png" % (result["version"], tag))
        with bpy.context.temp_override(window=window, area=area, region=region):
            bpy.ops.wm.redraw_timer(type="DRAW_SWAP", iterations=2)
        # X's y axis points down from the window's top; Blender's region y up from its bottom.
        geometry = "%dx%d+%d+%d" % (region.width, region.height, region.x,
                                    window.height - region.y - region.height)
        request = os.path.join(REQUESTS, "%s.request" % tag)
        with open(request + ".part", "w", encoding="utf-8") as handle:
            handle.write("%s %s\n" % (geometry, path))
        os.replace(request + ".part", request)
        texts = check_cut(region, tag)
        result["shots"].append({"shot": tag, "path": path, "region_width": region.width, "texts": texts,
                                "area": [area.x, area.y, area.width, area.height]})
        step["waited"] = 0
        bpy.app.timers.register(lambda: wait_for_capture(path), first_interval=0.1)
    except Exception:
        result["errors"].append(traceback.format_exc())
        finish()
    return None


def wait_for_capture(path):
    """The X capture is taken outside Blender; the next state is drawn once it is on disk."""
    if not os.path.exists(path) and not os.path.exists(path + ".failed"):
        step["waited"] += 1
        if step["waited"] < 300:
            return 0.1
        result["errors"].append("no screen capture arrived for %s in 30 s" % path)
        finish()
        return None
    if os.path.exists(path + ".failed"):
        result["errors"].append("screen capture failed: %s" % path)
    step["i"] += 1
    if step["i"] < len(plan):
        bpy.app.timers.register(next_shot, first_interval=0.1)
    else:
        finish()
    return None


def finish():
    with open(RESULT, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    bpy.ops.wm.quit_blender()


bpy.app.timers.register(setup, first_interval=0.5)
