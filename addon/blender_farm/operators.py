"""Operators: Render (plan, ask about missing files, pack, submit), Cancel, Resume, Open Output Folder.

In the UI nothing here waits on the network or on file copies: packing's copies and the submit run on a
background thread and the reply comes back through status.py's timer. In background mode (scripts, tests)
``execute()`` blocks until the coordinator accepted the job, so a script gets the job id on return.
"""

import os
import threading

import bpy
from bpy.props import BoolProperty

from . import coordinator, pack, packing, preferences, rpc, status, texts


def output_folder(context):
    settings, prefs = context.scene.blender_farm, preferences.get(context)
    stem = os.path.splitext(os.path.basename(bpy.data.filepath))[0]
    if settings.output_folder:
        return os.path.normpath(bpy.path.abspath(settings.output_folder))
    if prefs.output_folder:
        return os.path.join(os.path.normpath(bpy.path.abspath(prefs.output_folder)), stem)
    return os.path.join(os.path.dirname(bpy.data.filepath), stem + "-frames")


def submit_params(context, plan, allow_missing):
    settings, prefs = context.scene.blender_farm, preferences.get(context)
    kind = prefs.workers_kind if settings.workers == "DEFAULT" else settings.workers
    return {
        "jobFolder": plan.job_folder,
        "blendFile": plan.blend_name,
        "frames": None if settings.use_scene_frames else settings.frames.strip(),
        "chunk": "auto" if settings.chunk_auto else str(settings.chunk_size),
        "workers": preferences.workers_spec(kind, prefs),
        "outputFolder": output_folder(context),
        "blenderPath": bpy.app.binary_path,
        "allowMissing": bool(allow_missing),
    }


def _submitted(scene_name, result, error):
    """Main thread: the coordinator's answer to job.submit."""
    job = status.job_status()
    job.busy = ""
    if error is not None:
        job.error = _sentence_for(error)
        return
    scene = bpy.data.scenes.get(scene_name)
    if scene is not None:
        scene.blender_farm.job_id = result["jobId"]
    job.error = job.message = ""
    status.apply_status(job, result["status"])
    status.watch(result["jobId"])


def _sentence_for(error):
    if error.code == rpc.ErrorCode.MISSING_FILES:  # its message names the command line's flag; say it our way
        return texts.missing_files_sentence(status.job_status().missing)
    return error.message


class SubmitOperator:
    """Packs the open file and sends it with ``method`` (Render: job.submit; Add to Queue: queue.submit). Each
    operator declares its own ``allow_missing`` property and ``_params``."""

    method = "job.submit"
    busy_text = "Packing and submitting..."
    _missing_lines = []
    _outside_lines = []

    def _params(self, context, plan):
        return submit_params(context, plan, self.allow_missing)

    def _on_submitted(self):
        """Runs on the main thread after the coordinator accepted the job."""

    def invoke(self, context, _event):
        refusal = self._refusal()
        if refusal:
            self.report({"ERROR"}, refusal)
            return {"CANCELLED"}
        plan = pack.plan_open_file(self._jobs_root())
        if plan.problem():
            self.report({"ERROR"}, plan.problem())
            return {"CANCELLED"}
        if (plan.missing or plan.outside) and not self.allow_missing:
            type(self)._missing_lines = [d.describe() for d in plan.missing]
            type(self)._outside_lines = (
                [plan.outside_report(limit=0).split(": ")[0] + ":"] + ["%s (%s)" % (path, packing.human_size(size)) for path, size in plan.outside]
                if plan.outside else [])
            status.job_status(context).missing = plan.missing_report()
            # A popup with its own two buttons: invoke_props_dialog has only OK on 3.4 (confirm_text came in 4.1).
            return context.window_manager.invoke_popup(self, width=420)
        return self.execute(context)

    def draw(self, _context):
        layout = self.layout
        col = layout.column(align=True)
        if self._missing_lines:
            layout.label(text="Some files this scene uses are missing:", icon="ERROR")
            col = layout.column(align=True)
        for line in self._missing_lines[:12]:
            col.label(text=line, icon="BLANK1")
        if len(self._missing_lines) > 12:
            col.label(text="... and %d more" % (len(self._missing_lines) - 12), icon="BLANK1")
        if self._missing_lines:
            layout.label(text="The frames will render without them.")
        if self._outside_lines:
            layout.label(text="These files from outside the project will be copied into the job:", icon="INFO")
            col = layout.column(align=True)
        for line in self._outside_lines[:12]:
            col.label(text=line, icon="BLANK1")
        row = layout.row()
        row.scale_y = 1.3
        row.operator(self.bl_idname, text=texts.RENDER_ANYWAY, icon="RENDER_ANIMATION").allow_missing = True
        row.operator("blender_farm.dismiss", text=texts.CANCEL, icon="CANCEL")

    def execute(self, context):
        refusal = self._refusal()
        if refusal:
            self.report({"ERROR"}, refusal)
            return {"CANCELLED"}
        job = status.job_status(context)
        plan = pack.plan_open_file(self._jobs_root())
        job.missing = plan.missing_report()
        if plan.problem():
            self.report({"ERROR"}, plan.problem())
            return {"CANCELLED"}
        if plan.outside:
            self.report({"INFO"}, plan.outside_report())
        if plan.missing and not self.allow_missing:
            self.report({"ERROR"}, texts.missing_files_sentence(plan.missing_report()))
            return {"CANCELLED"}
        try:
            pack.write_blend_copy(plan)
        except (RuntimeError, OSError) as error:
            self.report({"ERROR"}, "Could not write the job folder %s: %s" % (plan.job_folder, error))
            return {"CANCELLED"}
        params = self._params(context, plan)
        binary = bpy.app.binary_path
        status.configure(context)
        job.error, job.message = "", ""
        if bpy.app.background:
            return self._execute_blocking(context, plan, params, binary)
        job.busy = self.busy_text
        scene_name, method, then = context.scene.name, self.method, self._on_submitted

        def answered(result, error):
            _submitted(scene_name, result, error)
            then()

        def work():
            try:
                pack.finish_job_folder(plan, binary)
            except (OSError, RuntimeError) as error:
                status.CLIENT.inbox.put(("reply", answered, None,
                                         rpc.RpcError(rpc.ErrorCode.INVALID_JOB, "Packing failed: %s" % error)))
                return
            status.CLIENT.request(method, params, answered)

        threading.Thread(target=work, name="blender_farm-pack", daemon=True).start()
        self.report({"INFO"}, "Packing %d file(s) into %s" % (len(plan.copies) + 1, plan.job_folder))
        return {"FINISHED"}

    def _execute_blocking(self, context, plan, params, binary):
        try:
            pack.finish_job_folder(plan, binary)
            result = status.CLIENT.call_sync(self.method, params, timeout=300)
        except rpc.RpcError as error:
            status.job_status(context).error = _sentence_for(error)
            self.report({"ERROR"}, _sentence_for(error))
            return {"CANCELLED"}
        except (coordinator.CoordinatorError, OSError, RuntimeError) as error:
            status.job_status(context).error = str(error)
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        _submitted(context.scene.name, result, None)
        self._on_submitted()
        self.report({"INFO"}, "Job %s submitted" % result["jobId"])
        return {"FINISHED"}

    @staticmethod
    def _refusal():
        if not bpy.data.filepath:
            return "Save the .blend file first: the farm renders a copy of the saved file's folder."
        return None

    @staticmethod
    def _jobs_root():
        return os.path.join(coordinator.home_folder(), "packs")


class BLENDER_FARM_OT_render(SubmitOperator, bpy.types.Operator):
    """Pack this file with everything it uses and render its frames on the farm"""

    bl_idname = "blender_farm.render"
    bl_label = "Render"
    bl_options = {"REGISTER"}

    allow_missing: BoolProperty(name=texts.RENDER_ANYWAY, default=False, options={"SKIP_SAVE"},
                                description="Render even though some files the scene uses are missing")

    @classmethod
    def poll(cls, context):
        if context.scene is None:
            return False
        job = status.job_status(context)
        return texts.can_render(job.busy, job.phase, job.job_id, context.scene.blender_farm.job_id)


class _JobOperator:
    """Sends one request about the scene's job; the answer updates the panel's status when it arrives."""

    method = ""
    clears_messages = False

    @classmethod
    def poll(cls, context):
        return bool(context.scene and context.scene.blender_farm.job_id)

    def execute(self, context):
        job_id = context.scene.blender_farm.job_id
        status.configure(context)
        clears_messages = self.clears_messages

        def done(result, error):
            job = status.job_status()
            if error is not None:
                job.error = error.message
            else:
                if clears_messages:
                    job.error = job.message = ""
                status.apply_status(job, result)

        status.CLIENT.request(self.method, {"jobId": job_id}, done)
        return {"FINISHED"}


class BLENDER_FARM_OT_cancel(_JobOperator, bpy.types.Operator):
    """Stop the job; frames already rendered stay"""

    bl_idname = "blender_farm.cancel"
    bl_label = "Cancel Job"
    method = "job.cancel"


class BLENDER_FARM_OT_resume(_JobOperator, bpy.types.Operator):
    """Carry on the job: render the frames that are not done yet"""

    bl_idname = "blender_farm.resume"
    bl_label = "Resume Job"
    method = "job.resume"
    clears_messages = True


class BLENDER_FARM_OT_dismiss(bpy.types.Operator):
    """Close the question without rendering"""

    bl_idname = "blender_farm.dismiss"
    bl_label = "Cancel"
    bl_options = {"INTERNAL"}

    def execute(self, _context):
        return {"CANCELLED"}


class BLENDER_FARM_OT_report(bpy.types.Operator):
    """Puts one message in the Info log (used when a job ends, from the status timer)"""

    bl_idname = "blender_farm.report"
    bl_label = "BlenderFarm Report"
    bl_options = {"INTERNAL"}

    level: bpy.props.EnumProperty(items=[("INFO", "Info", ""), ("WARNING", "Warning", ""), ("ERROR", "Error", "")])
    message: bpy.props.StringProperty()

    def execute(self, _context):
        self.report({self.level}, self.message)
        return {"FINISHED"}


class BLENDER_FARM_OT_open_frames(bpy.types.Operator):
    """Load the finished frames as an image sequence and show it in an Image Editor"""

    bl_idname = "blender_farm.open_frames"
    bl_label = "Open Frames"

    @classmethod
    def poll(cls, context):
        return bool(status.job_status(context).last_frame_path)

    def execute(self, context):
        job = status.job_status(context)
        path = job.last_frame_path
        if not os.path.isfile(path):
            self.report({"WARNING"}, "No finished frame at %s yet." % path)
            return {"CANCELLED"}
        frames = sorted(f for f in os.listdir(os.path.dirname(path)) if os.path.splitext(f)[1] == os.path.splitext(path)[1])
        first = os.path.join(os.path.dirname(path), frames[0]) if frames else path
        image = bpy.data.images.load(first, check_existing=True)
        image.source = "SEQUENCE"
        shown = False
        for window in context.window_manager.windows:
            for area in window.screen.areas:
                if area.type == "IMAGE_EDITOR" and not shown:
                    area.spaces[0].image = image
                    area.spaces[0].image_user.frame_duration = len(frames) or 1
                    shown = True
        if not shown:
            self.report({"INFO"}, "Frames loaded as image '%s': pick it in any Image Editor." % image.name)
        return {"FINISHED"}


class BLENDER_FARM_OT_open_output(bpy.types.Operator):
    """Open the folder the job's frames go to"""

    bl_idname = "blender_farm.open_output"
    bl_label = "Open Output Folder"

    def execute(self, context):
        folder = status.job_status(context).output_folder
        if not folder or not os.path.isdir(folder):
            self.report({"WARNING"}, "The output folder %s does not exist yet." % (folder or "(none)"))
            return {"CANCELLED"}
        bpy.ops.wm.path_open(filepath=folder)
        return {"FINISHED"}


classes = (BLENDER_FARM_OT_render, BLENDER_FARM_OT_cancel, BLENDER_FARM_OT_resume, BLENDER_FARM_OT_dismiss,
           BLENDER_FARM_OT_report, BLENDER_FARM_OT_open_frames, BLENDER_FARM_OT_open_output)
register, unregister = bpy.utils.register_classes_factory(classes)
