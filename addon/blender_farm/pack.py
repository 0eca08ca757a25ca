"""Carrying out a pack plan for the open file: the .blend copy (written by Blender, main thread), then the
dependency copies and path rewrites (safe on a background thread). The user's open file is never changed."""

import json
import os
import subprocess

import bpy

from . import blend_deps, packing


def plan_open_file(jobs_root):
    """Plans a job folder for the open .blend under jobs_root. Needs the file to be saved once."""
    blend = bpy.data.filepath
    job_folder = os.path.join(jobs_root, packing.job_folder_name(blend))
    return packing.plan(blend, blend_deps.collect(), job_folder)


def write_blend_copy(plan):
    """Writes the in-memory scene (unsaved edits included) as a copy in the job folder. Main thread only.

    ``copy=True`` leaves the open file's path alone; ``relative_remap=False`` keeps relative paths as they are,
    so they point at the copies, which mirror the original folder's layout.
    """
    os.makedirs(plan.job_folder, exist_ok=True)
    bpy.ops.wm.save_as_mainfile(filepath=plan.job_blend, copy=True, relative_remap=False, check_existing=False)


def finish_job_folder(plan, blender_binary, on_progress=None):
    """Copies every dependency and rewrites paths that pointed outside the .blend's folder. Any thread."""
    packing.execute_copies(plan, on_progress)
    if not packing.needs_remap(plan):
        return
    _remap(plan.job_blend, os.path.dirname(plan.blend_path), plan.remaps, blender_binary)
    for source, target, _ in plan.copies:
        if target.lower().endswith(".blend"):
            remaps = {k: packing.remapped_path(k, plan, library_target=target) for k in plan.remaps}
            _remap(os.path.join(plan.job_folder, *target.split("/")), os.path.dirname(source), remaps, blender_binary)


def _remap(blend, base, remaps, blender_binary):
    spec_path = blend + ".remap.json"
    with open(spec_path, "w", encoding="utf-8") as handle:
        json.dump({"base": base, "remaps": remaps}, handle)
    script = os.path.join(os.path.dirname(__file__), "remap_job.py")
    try:
        result = subprocess.run([blender_binary, "-b", blend, "--factory-startup", "--python-exit-code", "1",
                                 "--python", script, "--", spec_path],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    finally:
        os.remove(spec_path)
    if result.returncode != 0:
        tail = result.stdout.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError("Rewriting the paths in %s failed: %s" % (os.path.basename(blend), tail[0]))
