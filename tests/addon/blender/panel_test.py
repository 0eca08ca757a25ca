"""Real-Blender check of the panel's behaviours that need bpy, run in background by PanelInBlenderTests:

    blender -b --factory-startup --python panel_test.py -- ADDON_FOLDER FRAME.png RESULT.json

Enables the add-on from its source folder and records what an artist would see: Render greyed out while this scene's
job runs, the latest frame as an image datablock that follows new frames, the Info report when a job ends, the
status bar line while it runs, the missing-files popup's two buttons, and the S3 upload bar while an AWS job is
submitted.
"""

import json
import os
import sys
import traceback

import bpy

ADDON, FRAME, RESULT = sys.argv[sys.argv.index("--") + 1:][:3]
result = {"errors": []}
try:
    sys.path.insert(0, os.path.dirname(ADDON))
    import blender_farm
    blender_farm.register()
    from blender_farm import operators, status, texts

    scene = bpy.context.scene
    job = bpy.context.window_manager.blender_farm
    scene.blender_farm.job_id = job.job_id = "J1"
    status._watched["job"] = "J1"
    job.phase, job.done, job.total, job.eta = "running", 4, 40, "1m20s"
    result["render_enabled_while_running"] = bpy.ops.blender_farm.render.poll()
    result["cancel_enabled_while_running"] = bpy.ops.blender_farm.cancel.poll()
    result["status_bar"] = status.progress_text(job)
    job.phase = "completed"
    result["render_enabled_after"] = bpy.ops.blender_farm.render.poll()

    image = bpy.data.images.new("frame", 8, 4)
    image.filepath_raw = FRAME
    image.file_format = "PNG"
    image.save()
    status.show_frame(job, {"frame": 7, "path": FRAME})
    latest = bpy.data.images.get(status.LATEST_IMAGE)
    result["latest_image"] = {"name": latest.name, "path": latest.filepath, "size": list(latest.size)} if latest else None
    second = os.path.join(os.path.dirname(FRAME), "second.png")
    image.scale(16, 4)
    image.filepath_raw = second
    image.save()
    status.show_frame(job, {"frame": 8, "path": second})
    latest = bpy.data.images.get(status.LATEST_IMAGE)
    result["latest_after_next_frame"] = {"path": latest.filepath, "size": list(latest.size),
                                         "count": sum(1 for i in bpy.data.images if i.name.startswith(status.LATEST_IMAGE))}

    job.rate = "208.4 frames/min"
    status.handle(("notify", "job.ended", {"jobId": "J1", "phase": "failed", "message": "Frame 9 failed twice.",
                                           "status": {"jobId": "J1", "phase": "failed", "done": 8, "failed": 1,
                                                      "total": 40}}))
    result["rate_kept"] = job.rate
    status.apply_status(job, {"jobId": "J1", "phase": "running", "done": 2, "failed": 0, "total": 40,
                              "hosts": [{"host": "render@gpu1", "blenderVersion": "4.3.2", "slots": 2},
                                        {"host": "render@gpu2:2222", "blenderVersion": "5.2.2", "slots": 1}]})
    result["host_lines"] = job.hosts.split("\n")
    result["missing_sentence"] = operators._sentence_for(
        __import__("blender_farm.rpc", fromlist=["rpc"]).RpcError(1011, "... pass --allow-missing to render ..."))
    result["dismiss_registered"] = hasattr(bpy.types, "BLENDER_FARM_OT_dismiss")
    result["button_label"] = texts.render_button_label("SSH")

    # While job.submit waits on an AWS job's S3 upload: job.preparing (for the id the reply will carry) fills the panel.
    job.busy = "Packing and submitting..."
    status.handle(("notify", "job.preparing", {"jobId": "J2", "step": "uploading job files", "upload": {
        "sentBytes": 12 << 20, "totalBytes": 48 << 20, "skippedFiles": 3, "skippedBytes": 5000000,
        "bytesPerSecond": 4194304.0, "etaSeconds": 9.0}}))
    drawn = []

    class Layout:  # records what the panel draws (background Blender has no region to draw in)
        def __getattr__(self, name):
            return lambda *args, **kwargs: drawn.append((name, kwargs)) or self

    from blender_farm import panels
    panels.RENDER_PT_blender_farm._draw_upload(Layout(), bpy.context, job)
    result["upload_drawn"] = [[name, kwargs.get("text"), kwargs.get("factor", kwargs.get("icon"))]
                              for name, kwargs in drawn if name in ("label", "progress", "prop")]
    result["upload_progress"] = job.upload_progress
    status.apply_status(job, {"jobId": "J2", "phase": "running", "done": 0, "failed": 0, "total": 40})
    result["upload_after_start"] = job.upload

    # The scene's job waits, paused, in the farm's queue and never ran (its journal reads "interrupted"): the panel
    # says where it stands in the queue, and leaves resuming to the queue's own button.
    from blender_farm import queue_status
    status.apply_status(job, {"jobId": "J3", "phase": "interrupted", "done": 0, "failed": 0, "total": 40})
    queue_status.apply_queue(job, {"slots": 2, "jobs": [{"jobId": "J3", "priority": 2, "place": "paused", "status": {
        "jobId": "J3", "phase": "interrupted", "blendFile": "/packs/shot-1/shot.blend", "done": 0, "total": 40}}]})
    calls = []

    class Calls:
        def __getattr__(self, name):
            return lambda *args, **kwargs: calls.append([name, args[0] if args else kwargs.get("text")]) or self

    panels.RENDER_PT_blender_farm._draw_job(Calls(), bpy.context, "J3", job)
    result["queued_job_drawn"] = [c for c in calls if c[0] in ("label", "operator")]
except Exception:
    result["errors"].append(traceback.format_exc())
with open(RESULT, "w", encoding="utf-8") as handle:
    json.dump(result, handle, indent=2)
