"""The BlenderFarm panel in Render Properties: one column that fits the 200-300 px Blender gives it. Most important
first (status, progress, ETA, cost, where the frames go), settings and the Render button, per-slot details in a
collapsible sub-panel. Long messages are wrapped to the region's width as measured with blf, never cut."""

import os

import blf
import bpy

from . import coordinator, estimate, farm_queue, preferences, queue_status, status, texts, workers


def workers_kind(context):
    settings = context.scene.blender_farm
    if settings.workers != "DEFAULT":
        return settings.workers
    try:
        return preferences.get(context).workers_kind
    except (KeyError, AttributeError):
        return "LOCAL"


def label_width(context, icon=True):
    """Pixels a label's text may take in this region: the region less the panel's margins (and an icon)."""
    scale = context.preferences.system.ui_scale
    region = context.region
    width = region.width if region is not None else 300
    # 44 px of panel margins, 12 more for a box's (4.3 and 5.2 draw a box's labels narrower than 3.4).
    return max(40, width - (56 + (22 if icon else 0)) * scale)


def text_width(context, text):
    """The label's text width in pixels, as Blender's UI font draws it."""
    scale = context.preferences.system.ui_scale
    style = context.preferences.ui_styles[0].widget
    size = style.points * scale
    if bpy.app.version >= (4, 0, 0):
        blf.size(0, size)
    else:
        blf.size(0, size, 72)
    return blf.dimensions(0, text)[0]


def wrapped_labels(layout, context, text, icon="NONE"):
    """Labels for text, one per line that fits the region; the first line carries the icon."""
    lines = texts.wrap(text, label_width(context), lambda s: text_width(context, s))
    for index, line in enumerate(lines):
        layout.label(text=line, icon=icon if index == 0 else ("BLANK1" if icon != "NONE" else "NONE"))


def frames_text(context, settings):
    """The frames the job would render, in the coordinator's syntax (1-250x2)."""
    if not settings.use_scene_frames:
        return settings.frames.strip()
    scene = context.scene
    return "%d-%dx%d" % (scene.frame_start, scene.frame_end, scene.frame_step)


def estimate_key(context, settings, prefs):
    """What the AWS estimate depends on: the saved file (and when it was saved), the workers and the frames."""
    path = bpy.data.filepath
    try:
        saved = os.stat(path).st_mtime_ns
    except OSError:
        saved = 0
    return (path, saved, workers.cli_text(preferences.workers_spec("AWS", prefs)), frames_text(context, settings))


def draw_estimate(layout, context, settings, prefs):
    """The AWS figures before the first click (estimate.py fetches them off the main thread)."""
    if not bpy.data.filepath:
        wrapped_labels(layout, context, "Save the file to see the AWS estimate.", icon="INFO")
        return
    key = estimate_key(context, settings, prefs)
    path, _saved, spec, frames = key

    def command():
        found = coordinator.find_coordinator(prefs.coordinator_path, os.path.dirname(__file__))
        return [found, "plan", path, "--workers", spec, "--frames", frames, "--blender", bpy.app.binary_path, "--json"]

    estimate.request(key, command)
    running, figures, error = estimate.current()
    if running:
        wrapped_labels(layout, context, "Estimating: spot prices and one sample frame here...", icon="TIME")
    elif figures:
        for index, line in enumerate(texts.estimate_lines(figures)):
            wrapped_labels(layout, context, line, icon="FUND" if index == 0 else "BLANK1")
    elif error:
        wrapped_labels(layout, context, error, icon="ERROR")


class RENDER_PT_blender_farm(bpy.types.Panel):
    bl_label = "BlenderFarm"
    bl_space_type = "PROPERTIES"
    bl_region_type = "WINDOW"
    bl_context = "render"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.blender_farm
        job = status.job_status(context)

        if job.busy and job.upload:
            self._draw_upload(layout, context, job)
        if settings.job_id:
            self._draw_job(layout, context, settings.job_id, job)
        if job.error:
            box = layout.box()
            wrapped_labels(box.column(align=True), context, job.error, icon="ERROR")
        if job.missing:
            wrapped_labels(layout.column(align=True), context, "Missing: " + job.missing, icon="LIBRARY_DATA_BROKEN")

        layout.prop(settings, "use_scene_frames")  # checkboxes full width: a split would cut their names
        col = layout.column()
        col.use_property_split = True
        col.use_property_decorate = False
        if settings.use_scene_frames:
            scene = context.scene
            sub = col.column(align=True)
            sub.prop(scene, "frame_start", text="Start")
            sub.prop(scene, "frame_end", text="End")
            sub.prop(scene, "frame_step", text="Step")
        else:
            col.prop(settings, "frames")
        layout.prop(settings, "chunk_auto")  # full width too: in the split, 4.3 cuts it to "Auto Chu..."
        col = layout.column()
        col.use_property_split = True
        col.use_property_decorate = False
        if not settings.chunk_auto:
            col.prop(settings, "chunk_size")
        col.prop(settings, "workers")
        kind = workers_kind(context)
        self._draw_workers_setting(col, context, settings, kind)
        col.prop(settings, "output_folder", text="Output")

        row = layout.row()
        row.scale_y = 1.6
        row.operator("blender_farm.render", text=job.busy or texts.render_button_label(kind))

    @staticmethod
    def _draw_workers_setting(col, context, settings, kind):
        """The key setting of the chosen workers, so the artist sees what Render will do."""
        try:
            prefs = preferences.get(context)
        except (KeyError, AttributeError):
            return
        if kind == "LOCAL":
            col.prop(prefs, "local_slots", text="Slots")
        elif kind == "SSH":
            col.prop(prefs, "ssh_hosts_file", text="Hosts")
        else:
            col.prop(prefs, "aws_region", text="Region")
            col.prop(prefs, "aws_instance_types", text="Types")
            draw_estimate(col.box().column(align=True), context, settings, prefs)
        if settings.workers == "DEFAULT":
            wrapped_labels(col, context, "Preferences: " + texts.WORKERS_NAME.get(kind, kind))

    @staticmethod
    def _draw_upload(layout, context, job):
        """The job files' upload to S3 while job.submit waits: a bar with bytes, rate and ETA, then what S3 held."""
        col = layout.box().column(align=True)
        col.label(text=job.busy, icon="EXPORT")
        lines = job.upload.split("\n")
        if hasattr(col, "progress"):  # Blender 4.0+
            col.progress(factor=job.upload_progress / 100.0, type="BAR", text=lines[0])
        else:
            col.prop(job, "upload_progress", text=lines[0], slider=True)
        for line in lines[1:]:
            wrapped_labels(col, context, line, icon="CHECKMARK")

    @staticmethod
    def _draw_job(layout, context, job_id, job):
        box = layout.box()
        col = box.column(align=True)
        # A job in the farm's queue shows its place there (a queued job that never ran reads "interrupted" otherwise).
        queued = next((item for item in job.queue if item.job_id == job_id), None)
        phase = queued.state if queued else (job.phase or "connecting...").capitalize()
        col.label(text=phase, icon="RENDERLAYERS")
        text = "%d / %d frames" % (job.done, job.total)
        if hasattr(col, "progress"):  # Blender 4.0+
            col.progress(factor=job.progress / 100.0, type="BAR", text=text)
        else:
            col.prop(job, "progress", text=text, slider=True)
        col = box.column(align=True)
        if job.failed:
            col.label(text="%d failed" % job.failed, icon="ERROR")
        col.label(text="ETA %s" % (job.eta or "--"), icon="TIME")
        col.label(text=job.rate or "-- frames/min", icon="BLANK1")
        cost = "Cost %.2f %s" % (job.cost, job.cost_currency)
        wrapped_labels(col, context, cost + (" (this computer)" if job.cost == 0 else ""), icon="BLANK1")
        if job.output_folder:
            wrapped_labels(col, context, job.output_folder, icon="FILE_FOLDER")
        if job.message:
            wrapped_labels(box.column(align=True), context, job.message)
        col = box.column(align=True)
        row = col.row(align=True)
        if job.phase == "running":
            row.operator("blender_farm.cancel", icon="CANCEL")
        if job.phase in ("interrupted", "paused", "failed", "cancelled") and not queued:  # the queue resumes its own
            row.operator("blender_farm.resume", icon="PLAY")
        col.operator("blender_farm.open_frames", icon="IMAGE_DATA")
        col.operator("blender_farm.open_output", icon="FILE_FOLDER")
        icon = status.preview_icon(job.last_frame_path)
        if icon:
            wrapped_labels(box, context, "Frame %d (image '%s')" % (job.last_frame, status.LATEST_IMAGE),
                           icon="IMAGE_DATA")
            box.template_icon(icon_value=icon, scale=6.0)


class RENDER_PT_blender_farm_details(bpy.types.Panel):
    bl_label = "Details"
    bl_space_type = "PROPERTIES"
    bl_region_type = "WINDOW"
    bl_context = "render"
    bl_parent_id = "RENDER_PT_blender_farm"
    bl_options = {"DEFAULT_CLOSED"}

    @classmethod
    def poll(cls, context):
        return bool(context.scene and context.scene.blender_farm.job_id)

    def draw(self, context):
        job = status.job_status(context)
        col = self.layout.column(align=True)
        wrapped_labels(col, context, "Job " + context.scene.blender_farm.job_id)
        col.label(text="Done %d, failed %d, total %d" % (job.done, job.failed, job.total))
        for host in filter(None, job.hosts.split("\n")):
            wrapped_labels(col, context, host, icon="NETWORK_DRIVE")
        for slot in filter(None, job.slots.split("; ")):
            wrapped_labels(col, context, slot, icon="DESKTOP")


def draw_queued_job(layout, context, item):
    """One job of the farm's queue: its file and id, state and priority, frames bar, and its four buttons."""
    col = layout.box().column(align=True)
    wrapped_labels(col, context, item.title, icon=item.icon or "NONE")
    wrapped_labels(col, context, item.state, icon="BLANK1")
    if hasattr(col, "progress"):  # Blender 4.0+
        col.progress(factor=item.progress / 100.0, type="BAR", text=item.frames)
    else:
        col.prop(item, "progress", text=item.frames, slider=True)
    if item.failed:
        wrapped_labels(col, context, item.failed, icon="ERROR")
    row = col.row(align=True)
    for operator, icon, priority in (("blender_farm.queue_priority", "TRIA_UP", item.priority + 1),
                                     ("blender_farm.queue_priority", "TRIA_DOWN", item.priority - 1)):
        props = row.operator(operator, text="", icon=icon)
        props.job_id, props.priority = item.job_id, priority
    if item.place == "paused":
        row.operator("blender_farm.queue_resume", text="", icon="PLAY").job_id = item.job_id
    else:
        row.operator("blender_farm.queue_pause", text="", icon="PAUSE").job_id = item.job_id
    row.operator("blender_farm.queue_cancel", text="", icon="X").job_id = item.job_id


class RENDER_PT_blender_farm_queue(bpy.types.Panel):
    """The farm's queue (every file's jobs, in the order the farm serves them) and Add to Queue for this scene.
    Drawing it is what keeps queue_status asking the farm; closed, it asks nothing."""

    bl_label = "Farm Queue"
    bl_space_type = "PROPERTIES"
    bl_region_type = "WINDOW"
    bl_context = "render"
    bl_parent_id = "RENDER_PT_blender_farm"

    def draw(self, context):
        queue_status.POLLER.drawn()
        job = status.job_status(context)
        layout = self.layout
        if len(job.queue):
            wrapped_labels(layout, context, farm_queue.summary_text(len(job.queue), job.queue_slots))
            for item in job.queue:
                draw_queued_job(layout, context, item)
        elif job.queue_message:
            wrapped_labels(layout.column(align=True), context, job.queue_message, icon="INFO")
        col = layout.column()
        col.use_property_split = True
        col.use_property_decorate = False
        col.prop(context.scene.blender_farm, "queue_priority")
        layout.prop(context.scene.blender_farm, "queue_paused")  # full width, as the main panel's checkboxes
        layout.operator("blender_farm.queue_submit", icon="ADD")


classes = (RENDER_PT_blender_farm, RENDER_PT_blender_farm_queue, RENDER_PT_blender_farm_details)
register, unregister = bpy.utils.register_classes_factory(classes)
