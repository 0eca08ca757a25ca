"""Real-Blender UI test under Xvfb, run by PanelInBlenderTests:

    xvfb-run -a -s "-screen 0 1280x2000x24" blender --factory-startup --python panel_widths_test.py -- \
        ADDON_FOLDER OUTPUT_FOLDER RESULT.json WIDTH_NAME

Shows the BlenderFarm panel in Blender's default layout, whose Properties editor widens with the window: 222 px on a
1280 px screen (WIDTH_NAME default), 300 px on 1730 px, about 520 px on 3000 px (wide), in four states (start, mid-job, end, error) and saves a screenshot of each. For each it also replays the panel's draw()
on a recording layout and measures every label's and button's text with blf against the width it gets, listing any
that would be cut.
"""

import json
import os
import sys
import traceback

import bpy

ADDON, OUT, RESULT, WIDTH_NAMES = sys.argv[sys.argv.index("--") + 1:][:4]
result = {"errors": [], "shots": [], "cut": []}
STATES = ["start", "running", "end", "error"]
WIDTHS = [WIDTH_NAMES]
plan = [(w, s) for w in WIDTHS for s in STATES]
step = {"i": 0}


class Recorder:
    """Stands in for UILayout: records each text with the width share it gets (splits halve it roughly)."""

    def __init__(self, sink, share=1.0, split=False):
        self.sink, self.share, self._split = sink, share, split
        self.use_property_split = split
        self.use_property_decorate = self.enabled = self.active = True
        self.scale_y = 1.0
        self.operator_context = "INVOKE_DEFAULT"

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)

    def _child(self, share=None):
        return Recorder(self.sink, self.share if share is None else share, self.use_property_split)

    def column(self, **_):
        return self._child()

    row = box = column

    def split(self, factor=0.5, **_):
        return self._child(self.share * factor)

    def grid_flow(self, columns=1, **_):
        return self._child(self.share / max(1, columns))

    def separator(self, **_):
        pass

    def label(self, text="", icon="NONE", **_):
        self.sink.append(("label", text, icon != "NONE", self.share))

    def operator(self, idname, text=None, icon="NONE", **_):
        if text is None:
            module, name = idname.split(".")
            text = getattr(bpy.types, module.upper() + "_OT_" + name).bl_label
        self.sink.append(("button", text, icon != "NONE", self.share))
        return type("Props", (), {})()

    def prop(self, *_args, **_kwargs):
        pass

    def progress(self, **_):
        pass

    def template_icon(self, **_):
        pass


def properties_area():
    window = bpy.context.window_manager.windows[0]
    return window, next(a for a in window.screen.areas if a.type == "PROPERTIES")


def set_state(name):
    from blender_farm import status
    scene, job = bpy.context.scene, bpy.context.window_manager.blender_farm
    for field in ("job_id", "phase", "message", "error", "missing", "eta", "rate", "slots", "output_folder"):
        setattr(job, field, "")
    job.done = job.failed = job.total = 0
    job.progress, job.cost = 0.0, 0.0
    scene.blender_farm.job_id = ""
    if name == "start":
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
    if bpy.context.scene.blender_farm.job_id:
        panels.RENDER_PT_blender_farm_details.draw(Fake(), Ctx())
    scale = bpy.context.preferences.system.ui_scale
    for kind, text, icon, share in sink:
        # Measured on 3.4's default theme: a button's text gets the region less 34 px, a label's less 44 px.
        available = (context_region.width - (34 if kind == "button" else 44) * scale) * share \
            - (22 * scale if icon else 0)
        width = panels.text_width(Ctx(), text)
        if width > available:
            result["cut"].append({"shot": tag, "text": text, "width": round(width), "available": round(available)})
    return len(sink)


def setup():
    try:
        sys.path.insert(0, os.path.dirname(ADDON))
        import blender_farm
        blender_farm.register()
        bpy.context.preferences.view.show_tooltips = False
        window, area = properties_area()
        area.spaces[0].context = "RENDER"
        result["default_width"] = area.width
        bpy.app.timers.register(next_shot, first_interval=0.5)
    except Exception:
        result["errors"].append(traceback.format_exc())
        finish()


def next_shot():
    try:
        _width, state = plan[step["i"]]
        set_state(state)
        bpy.app.timers.register(take_shot, first_interval=0.6)
    except Exception:
        result["errors"].append(traceback.format_exc())
        finish()
    return None


def take_shot():
    try:
        width, state = plan[step["i"]]
        window, area = properties_area()
        region = next(r for r in area.regions if r.type == "WINDOW")
        tag = "%s-%s" % (width, state)
        path = os.path.join(OUT, "panel-%s.png" % tag)
        with bpy.context.temp_override(window=window, area=area, region=region):
            bpy.ops.wm.redraw_timer(type="DRAW_WIN_SWAP", iterations=1)
            bpy.ops.screen.screenshot(filepath=path)
        texts = check_cut(region, tag)
        result["shots"].append({"shot": tag, "path": path, "region_width": region.width, "texts": texts,
                                "area": [area.x, area.y, area.width, area.height]})
        step["i"] += 1
        if step["i"] < len(plan):
            bpy.app.timers.register(next_shot, first_interval=0.1)
        else:
            finish()
    except Exception:
        result["errors"].append(traceback.format_exc())
        finish()
    return None


def finish():
    with open(RESULT, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    bpy.ops.wm.quit_blender()


bpy.app.timers.register(setup, first_interval=0.5)
