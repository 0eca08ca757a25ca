"""The BlenderFarm panel in Render Properties: settings, Render on Cloud, and the running job's progress."""

import bpy

from . import status


class RENDER_PT_blender_farm(bpy.types.Panel):
    bl_label = "BlenderFarm"
    bl_space_type = "PROPERTIES"
    bl_region_type = "WINDOW"
    bl_context = "render"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.blender_farm
        job = status.job_status(context)

        col = layout.column()
        col.use_property_split = True
        col.use_property_decorate = False
        col.prop(settings, "use_scene_frames")
        if settings.use_scene_frames:
            scene = context.scene
            col.label(text="Frames %d-%d, step %d" % (scene.frame_start, scene.frame_end, scene.frame_step))
        else:
            col.prop(settings, "frames")
        col.prop(settings, "chunk_auto")
        if not settings.chunk_auto:
            col.prop(settings, "chunk_size")
        col.prop(settings, "workers")
        col.prop(settings, "output_folder")

        row = layout.row()
        row.scale_y = 1.6
        row.operator("blender_farm.render", text=job.busy or "Render on Cloud", icon="RENDER_ANIMATION")

        if job.error:
            box = layout.box()
            for line in _wrap(job.error, 70):
                box.label(text=line, icon="ERROR" if line is _wrap(job.error, 70)[0] else "BLANK1")
        if job.missing:
            layout.label(text="Missing: " + job.missing, icon="LIBRARY_DATA_BROKEN")
        if settings.job_id:
            self._draw_job(layout, settings.job_id, job)

    @staticmethod
    def _draw_job(layout, job_id, job):
        box = layout.box()
        box.label(text="Job %s: %s" % (job_id, job.phase or "connecting..."), icon="RENDERLAYERS")
        text = "%d / %d frames" % (job.done, job.total)
        if hasattr(box, "progress"):  # Blender 4.0+
            box.progress(factor=job.progress / 100.0, type="BAR", text=text)
        else:
            row = box.row()
            row.prop(job, "progress", text=text, slider=True)
        grid = box.grid_flow(columns=2, even_columns=True)
        grid.label(text="Done %d, failed %d, total %d" % (job.done, job.failed, job.total))
        grid.label(text="ETA %s" % (job.eta or "--"))
        grid.label(text=job.rate or "-- frames/min")
        grid.label(text="Cost %.2f %s%s" % (job.cost, job.cost_currency, " (local)" if job.cost == 0 else ""))
        for slot in filter(None, job.slots.split("; ")):
            box.label(text=slot, icon="DESKTOP")
        if job.message:
            for line in _wrap(job.message, 70):
                box.label(text=line)
        icon = status.preview_icon(job.last_frame_path)
        if icon:
            box.label(text="Frame %d" % job.last_frame)
            box.template_icon(icon_value=icon, scale=8.0)
        row = box.row()
        running = job.phase == "running"
        sub = row.row()
        sub.enabled = running
        sub.operator("blender_farm.cancel", icon="CANCEL")
        if job.phase in ("interrupted", "paused", "failed", "cancelled"):
            row.operator("blender_farm.resume", icon="PLAY")
        row.operator("blender_farm.open_output", icon="FILE_FOLDER")


def _wrap(text, width):
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = (line + " " + word).strip()
    return lines + [line] if line else lines or [""]


classes = (RENDER_PT_blender_farm,)
register, unregister = bpy.utils.register_classes_factory(classes)
