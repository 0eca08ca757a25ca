"""The queue sub-panel's operators: Add to Queue (this scene, packed like Render, sent with queue.submit at the
scene's priority), and per queued job: raise or lower its priority, pause, resume, cancel. Each sends one request
through the client's thread; the answers come back through the status timer."""

import bpy
from bpy.props import BoolProperty, IntProperty, StringProperty

from . import farm_queue, operators, preferences, queue_status, status, texts


def queue_output_folder(context):
    """Render's output folder; with the default one, a file of several scenes gets a folder per scene."""
    settings, prefs = context.scene.blender_farm, preferences.get(context)
    folder = operators.output_folder(context)
    if settings.output_folder or prefs.output_folder or len(bpy.data.scenes) < 2:
        return folder
    return folder[:-len("-frames")] + "-" + bpy.path.clean_name(context.scene.name) + "-frames"


class BLENDER_FARM_OT_queue_submit(operators.SubmitOperator, bpy.types.Operator):
    """Pack this file as it is now and add this scene's frames to the farm's queue, at the priority beside"""

    bl_idname = "blender_farm.queue_submit"
    bl_label = "Add to Queue"
    bl_options = {"REGISTER"}

    allow_missing: BoolProperty(name=texts.RENDER_ANYWAY, default=False, options={"SKIP_SAVE"},
                                description="Queue it even though some files the scene uses are missing")

    method = "queue.submit"
    busy_text = "Packing and adding to the queue..."

    @classmethod
    def poll(cls, context):
        return context.scene is not None and not status.job_status(context).busy

    def _params(self, context, plan):
        settings = context.scene.blender_farm
        return farm_queue.submit_params(
            plan.job_blend, None if settings.use_scene_frames else settings.frames.strip(),
            queue_output_folder(context),
            "auto" if settings.chunk_auto else str(settings.chunk_size), bpy.app.binary_path, self.allow_missing,
            settings.queue_priority, settings.queue_paused)

    def _on_submitted(self):
        queue_status.POLLER.soon()


class _QueuedJobOperator:
    """One request about the queued job ``job_id`` (each operator declares that property)."""

    def request(self):
        raise NotImplementedError

    def execute(self, _context):
        if not self.job_id:
            return {"CANCELLED"}
        method, params = self.request()
        queue_status.send(method, params, applies_queue=method in ("queue.pause", "queue.resume"))
        return {"FINISHED"}


class BLENDER_FARM_OT_queue_priority(_QueuedJobOperator, bpy.types.Operator):
    """Change the job's priority: higher renders first and takes the slots of a lower one as its frames finish"""

    bl_idname = "blender_farm.queue_priority"
    bl_label = "Set Priority"
    bl_options = {"INTERNAL"}

    job_id: StringProperty(options={"SKIP_SAVE", "HIDDEN"})
    priority: IntProperty(options={"SKIP_SAVE", "HIDDEN"})

    def request(self):
        return farm_queue.priority_request(self.job_id, self.priority)


class BLENDER_FARM_OT_queue_pause(_QueuedJobOperator, bpy.types.Operator):
    """Pause the job: frames in progress go back to it, it keeps its place and waits until resumed"""

    bl_idname = "blender_farm.queue_pause"
    bl_label = "Pause"
    bl_options = {"INTERNAL"}

    job_id: StringProperty(options={"SKIP_SAVE", "HIDDEN"})

    def request(self):
        return farm_queue.pause_request(self.job_id)


class BLENDER_FARM_OT_queue_resume(_QueuedJobOperator, bpy.types.Operator):
    """Let the paused job have slots again when its turn comes"""

    bl_idname = "blender_farm.queue_resume"
    bl_label = "Resume"
    bl_options = {"INTERNAL"}

    job_id: StringProperty(options={"SKIP_SAVE", "HIDDEN"})

    def request(self):
        return farm_queue.resume_request(self.job_id)


class BLENDER_FARM_OT_queue_cancel(_QueuedJobOperator, bpy.types.Operator):
    """Cancel the job and take it out of the queue; frames already rendered stay"""

    bl_idname = "blender_farm.queue_cancel"
    bl_label = "Cancel"
    bl_options = {"INTERNAL"}

    job_id: StringProperty(options={"SKIP_SAVE", "HIDDEN"})

    def request(self):
        return farm_queue.cancel_request(self.job_id)


classes = (BLENDER_FARM_OT_queue_submit, BLENDER_FARM_OT_queue_priority, BLENDER_FARM_OT_queue_pause,
           BLENDER_FARM_OT_queue_resume, BLENDER_FARM_OT_queue_cancel)
register, unregister = bpy.utils.register_classes_factory(classes)
