"""Run inside a background Blender on a packed job's .blend copy: rewrites file paths that point outside the job
folder to the copies under _external/, then saves. Never runs in the user's session.

    blender -b JOB/scene.blend --factory-startup --python remap_job.py -- REMAPS.json
"""

import json
import os
import sys

import bpy


def main():
    remaps_file = sys.argv[sys.argv.index("--") + 1]
    with open(remaps_file, encoding="utf-8") as handle:
        spec = json.load(handle)
    # Relative paths in the copy still mean what they meant next to the original file.
    base = spec["base"]
    remaps = {os.path.normcase(os.path.normpath(k)): v for k, v in spec["remaps"].items()}
    changed = 0
    collections = [bpy.data.images, bpy.data.movieclips, bpy.data.sounds, bpy.data.fonts, bpy.data.cache_files,
                   bpy.data.volumes, bpy.data.libraries]
    for collection in collections:
        for datablock in collection:
            if getattr(datablock, "library", None) is not None:
                continue  # Lives in a linked library; that library's own copy is remapped separately.
            path = getattr(datablock, "filepath", "")
            if not path or path == "<builtin>":
                continue
            absolute = os.path.join(base, path[2:]) if path.startswith("//") else path
            absolute = os.path.normcase(os.path.normpath(absolute))
            if absolute in remaps:
                datablock.filepath = remaps[absolute]
                changed += 1
    bpy.ops.wm.save_mainfile()
    print("@@BF remapped %d path(s)" % changed)


main()
