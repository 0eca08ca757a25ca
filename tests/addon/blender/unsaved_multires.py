"""Unsaved sculpt on external multires data, packed through the add-on's own path:
blender -b --factory-startup --python unsaved_multires.py -- ADDON_DIR FOLDER OUT.json

Builds FOLDER/ms.blend (a plane with two multires levels kept in FOLDER/caches/m.btx), saves it, then changes the
plane in the session without saving, marked as the UI marks a sculpt stroke (an undo step makes the file unsaved),
and packs. Writes the plan's problem, whether anything was written, and the plane's extent in the session before and
after packing.
"""

import json
import os
import sys

import bpy

args = sys.argv[sys.argv.index("--") + 1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(args[0])))
FOLDER = os.path.abspath(args[1])

from blender_farm import pack  # noqa: E402


def extent(obj):
    evaluated = obj.evaluated_get(bpy.context.evaluated_depsgraph_get())
    mesh = evaluated.to_mesh()
    result = round(max(v.co.x for v in mesh.vertices), 4)
    evaluated.to_mesh_clear()
    return result


bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.mesh.primitive_plane_add(size=2)
plane = bpy.context.active_object
plane.modifiers.new("Multires", "MULTIRES")
for _ in range(2):
    bpy.ops.object.multires_subdivide(modifier="Multires", mode="SIMPLE")
os.makedirs(os.path.join(FOLDER, "caches"), exist_ok=True)
bpy.ops.wm.save_as_mainfile(filepath=os.path.join(FOLDER, "ms.blend"))
bpy.ops.object.multires_external_save(filepath=os.path.join(FOLDER, "caches", "m.btx"))
bpy.ops.wm.save_as_mainfile(filepath=os.path.join(FOLDER, "ms.blend"), relative_remap=True)
saved = extent(plane)
# The unsaved change, in the session only.
for vertex in plane.data.vertices:
    vertex.co.x *= 0.5
bpy.ops.ed.undo_push(message="Sculpt")
edited = extent(plane)
plan = pack.plan_open_file(os.path.join(FOLDER, "jobs"))
try:
    pack.write_blend_copy(plan)
    pack.finish_job_folder(plan, bpy.app.binary_path)
    packed = True
except RuntimeError:
    packed = False
with open(args[2], "w", encoding="utf-8") as handle:
    json.dump({"problem": plan.problem(), "packed": packed, "job_blend": os.path.exists(plan.job_blend),
               "saved": saved, "edited": edited, "after": extent(plane)}, handle)
