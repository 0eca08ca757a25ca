"""Carrying out a pack plan for the open file: the .blend copy (written by Blender, main thread), then the
dependency copies and path rewrites (safe on a background thread). The user's open file is never changed."""

import json
import os
import subprocess

import bpy

from . import blend_deps, packing
from .job_layout import target_for


def plan_open_file(jobs_root):
    """Plans a job folder for the open .blend under jobs_root. Needs the file to be saved once."""
    blend = bpy.data.filepath
    job_folder = packing.free_folder(os.path.join(jobs_root, packing.job_folder_name(blend)))
    plan = packing.plan(blend, blend_deps.collect(), job_folder)
    reason = unsaved_multires_refusal()
    if reason:
        plan.refused.insert(0, reason)
    return plan


def unsaved_multires_refusal():
    """Why an unsaved file with external multires data cannot be packed (one sentence), or None.

    Multires sculpt kept in an external file (.btx) lives in the session until the file is saved. Writing the job
    copy must point the modifier at the job folder (or Blender would rewrite the user's .btx), and setting that path
    makes Blender drop the session's displacement and read it again from disk: the job would get the last saved
    sculpt, and the session would lose its unsaved strokes (reproduced in tests/addon/test_unsaved_multires.py).
    """
    if not bpy.data.is_dirty:
        return None
    for obj in bpy.data.objects:
        for modifier in obj.modifiers:
            if obj.library is None and modifier.type == "MULTIRES" and modifier.is_external and modifier.filepath:
                return ("Save the file before rendering it on the farm: the multires sculpt of object '%s' is kept in %s, "
                        "which only saving writes, so unsaved sculpt changes would not reach the farm." % (obj.name, modifier.filepath))
    return None


def write_blend_copy(plan):
    """Writes the in-memory scene (unsaved edits included) as a copy in the job folder. Main thread only.

    ``copy=True`` leaves the open file's path alone; ``relative_remap=False`` keeps relative paths as they are
    (remap_job.py makes every path relative to the copy afterwards). Saving also writes multires external data
    (.btx) to the path the modifier holds, so for the save that path points into the job folder: the user's
    .btx is never rewritten. Setting that path makes Blender read the displacement again from disk
    (multires_force_external_reload), which is safe only when the session holds what is saved: an unsaved file with
    external multires is refused (unsaved_multires_refusal), before anything is written.
    """
    if plan.problem():
        raise RuntimeError(plan.problem())
    os.makedirs(plan.job_folder, exist_ok=True)
    root = os.path.dirname(plan.blend_path)
    moved = []
    for obj in bpy.data.objects:
        for modifier in obj.modifiers:
            if obj.library is None and modifier.type == "MULTIRES" and modifier.is_external and modifier.filepath:
                target = os.path.join(plan.job_folder, *target_for(bpy.path.abspath(modifier.filepath), root).split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                moved.append((modifier, modifier.filepath))
                modifier.filepath = target
    try:
        bpy.ops.wm.save_as_mainfile(filepath=plan.job_blend, copy=True, relative_remap=False, check_existing=False)
    finally:
        for modifier, path in moved:
            modifier.filepath = path


def finish_job_folder(plan, blender_binary, on_progress=None):
    """Copies every dependency, then makes every path in the .blend copy and in each copied library relative to
    that copy and pointing inside the job folder (remap_job.py, the one remapper, in one background Blender).
    Any thread."""
    packing.execute_copies(plan, on_progress)
    root = os.path.dirname(plan.blend_path)
    specs = [remap_spec(plan.job_blend, root, root, plan.job_folder, plan.blend_name)]
    for source, target, _ in plan.copies:
        if target.lower().endswith(".blend"):
            specs.append(remap_spec(os.path.join(plan.job_folder, *target.split("/")), os.path.dirname(source), root,
                                    plan.job_folder, target))
    _remap(specs, plan.job_blend + ".remap.json", blender_binary)


def remap_spec(blend, base, root, job_folder, target):
    return {"blend": blend, "base": base, "root": root, "job_folder": job_folder, "target": target}


def _remap(specs, spec_path, blender_binary):
    with open(spec_path, "w", encoding="utf-8") as handle:
        json.dump(specs, handle)
    script = os.path.join(os.path.dirname(__file__), "remap_job.py")
    try:
        result = subprocess.run([blender_binary, "-b", "--factory-startup", "--python-exit-code", "1",
                                 "--python", script, "--", spec_path],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    finally:
        os.remove(spec_path)
    if result.returncode != 0:
        tail = result.stdout.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError("Rewriting the paths in %s failed: %s" % (os.path.basename(specs[0]["blend"]), tail[0]))
