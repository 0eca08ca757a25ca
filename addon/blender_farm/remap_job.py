"""The one remapper, used by the add-on and by the coordinator (which ships this file with scan_deps.py and
job_layout.py). Run inside a background Blender on .blend copies placed in a job folder (the scene and every copied
library): every path the scanner lists (images, clips, strips, sounds, fonts, libraries, caches, modifier caches,
OSL/IES nodes, ...) is rewritten relative to the copy, pointing at the file's place in the job (job_layout.py's
rule: inside the project it keeps its place, outside it goes under _external/). Absolute paths inside the project
thus become relative, and the job depends on nothing outside its folder. A copy is saved only when a path changed,
without a .blend1 backup. Never runs in the user's session, and only the copies are written.

    blender -b --factory-startup --python remap_job.py -- SPEC.json

SPEC: a list, one entry per copy: {"blend": the copy to rewrite, "base": folder of the original file, "root": the
project folder, "target": the copy's path relative to the job folder, "job_folder": the job folder (optional: a
path already inside it is kept there)}.
"""

import json
import os
import posixpath
import sys

import bpy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import job_layout  # noqa: E402
import scan_deps  # noqa: E402


def new_path(stored, spec):
    """The path ``stored`` (as it was next to the original file) should hold in the copy, or None to keep it."""
    original = scan_deps.resolve(stored, spec["base"])
    job_folder = spec.get("job_folder")
    if job_folder and job_layout.is_inside(original, job_folder):
        # Already the job's own copy (a multires file Blender wrote while saving the copy).
        target = os.path.relpath(original, os.path.normpath(job_folder)).replace(os.sep, "/")
    else:
        target = job_layout.target_for(original, spec["root"])
    relative = "//" + posixpath.relpath(target, posixpath.dirname(spec["target"]) or ".")
    if stored.endswith(("/", "\\")) and not relative.endswith("/"):
        relative += "/"
    return None if relative == stored else relative


def remap_open_file(spec):
    """Rewrites the open file's paths (see the module's docstring); returns how many changed."""
    changed = 0
    for entry, (holder, attribute) in zip(*scan_deps.scan_with_holders()):
        if not holder or entry["library"] is not None or getattr(holder, "parent", None) is not None:
            continue  # derived, or stored in a linked library (its own copy is remapped), or an indirect library
        path = new_path(getattr(holder, attribute), spec)
        if path is not None:
            setattr(holder, attribute, path)
            changed += 1
    return changed


def main():
    with open(sys.argv[sys.argv.index("--") + 1], encoding="utf-8") as handle:
        specs = json.load(handle)
    bpy.context.preferences.filepaths.save_version = 0  # no .blend1 in the job folder
    for spec in specs:
        bpy.ops.wm.open_mainfile(filepath=spec["blend"], load_ui=False)
        changed = remap_open_file(spec)
        if changed:
            bpy.ops.wm.save_mainfile()
        print("@@BF remapped %d path(s) in %s" % (changed, spec["target"]))


if __name__ == "__main__":
    main()
