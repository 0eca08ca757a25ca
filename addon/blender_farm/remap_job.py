"""The one remapper. Run inside a background Blender on a .blend copy in a job folder (the scene or a copied
library): every path the scanner lists (images, clips, strips, sounds, fonts, libraries, caches, modifier caches,
OSL/IES nodes, ...) is rewritten relative to the copy, pointing at the file's place in the job (job_layout.py's
rule: inside the project it keeps its place, outside it goes under _external/). Absolute paths inside the project
thus become relative, and the job depends on nothing outside its folder. Saved without a .blend1 backup. Never
runs in the user's session, and only the copy is written.

    blender -b JOB/FILE.blend --factory-startup --python remap_job.py -- SPEC.json

SPEC: {"base": folder of the original file, "root": the project folder, "job_folder": ..., "target": this copy's
path relative to the job folder}
"""

import json
import os
import sys

import bpy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import job_layout  # noqa: E402
import scan_deps  # noqa: E402


def new_path(stored, spec):
    """The path ``stored`` (as it was next to the original file) should hold in the copy, or None to keep it."""
    original = scan_deps.resolve(stored, spec["base"])
    job_folder = os.path.normpath(spec["job_folder"])
    if job_layout.is_inside(original, job_folder):
        target = original  # Already the job's own copy (a multires file Blender wrote while saving the copy).
    else:
        target = os.path.join(job_folder, *job_layout.target_for(original, spec["root"]).split("/"))
    here = os.path.dirname(os.path.join(job_folder, *spec["target"].split("/")))
    relative = "//" + os.path.relpath(target, here).replace(os.sep, "/")
    if stored.endswith(("/", "\\")) and not relative.endswith("/"):
        relative += "/"
    return None if relative == stored else relative


def main():
    with open(sys.argv[sys.argv.index("--") + 1], encoding="utf-8") as handle:
        spec = json.load(handle)
    changed = 0
    for entry, (holder, attribute) in zip(*scan_deps.scan_with_holders()):
        if not holder or entry["library"] is not None or getattr(holder, "parent", None) is not None:
            continue  # derived, or stored in a linked library (its own copy is remapped), or an indirect library
        stored = getattr(holder, attribute)
        path = new_path(stored, spec)
        if path is not None:
            setattr(holder, attribute, path)
            changed += 1
    bpy.context.preferences.filepaths.save_version = 0  # no .blend1 in the job folder
    bpy.ops.wm.save_mainfile()
    print("@@BF remapped %d path(s)" % changed)


main()
