"""The add-on's own packing path on the open file, as the Render operator runs it (plan, .blend copy, dependency
copies and path rewrites), with unsaved edits: the IES light's, the UDIM image's, the movie image's and the image strip's
paths made absolute, still inside the project.

    blender -b FILE.blend --factory-startup --python pack_open_file.py -- ADDON_DIR JOBS_ROOT OUT.json
"""

import json
import os
import sys

import bpy

args = sys.argv[sys.argv.index("--") + 1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(args[0])))

from blender_farm import pack  # noqa: E402

for light in bpy.data.lights:
    for node in (light.node_tree.nodes if light.node_tree else []):
        if node.bl_idname == "ShaderNodeTexIES" and node.filepath.startswith("//"):
            node.filepath = bpy.path.abspath(node.filepath)
for image in bpy.data.images:
    if image.name in ("Paint", "PlatesMovie"):
        image.filepath = bpy.path.abspath(image.filepath)
for scene in bpy.data.scenes:
    for strip in (scene.sequence_editor.sequences_all if scene.sequence_editor else []):
        if strip.type == "IMAGE":
            strip.directory = bpy.path.abspath(strip.directory)
plan = pack.plan_open_file(args[1])
pack.write_blend_copy(plan)
pack.finish_job_folder(plan, bpy.app.binary_path)
with open(args[2], "w", encoding="utf-8") as handle:
    json.dump({"job_blend": plan.job_blend, "missing": [d.describe() for d in plan.missing]}, handle)
