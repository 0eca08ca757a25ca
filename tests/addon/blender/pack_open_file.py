"""The add-on's own packing path on the open file, as the Render operator runs it (plan, .blend copy, dependency
copies and path rewrites), with unsaved edits: the IES light's, the UDIM image's, the movie image's and the image strip's
paths made absolute, still inside the project (make_paths_absolute.py).

    blender -b FILE.blend --factory-startup --python pack_open_file.py -- ADDON_DIR JOBS_ROOT OUT.json
"""

import json
import os
import sys

import bpy

args = sys.argv[sys.argv.index("--") + 1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(args[0])))

from blender_farm import pack  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_paths_absolute import make_absolute  # noqa: E402

make_absolute()
plan = pack.plan_open_file(args[1])
pack.write_blend_copy(plan)
pack.finish_job_folder(plan, bpy.app.binary_path)
with open(args[2], "w", encoding="utf-8") as handle:
    json.dump({"job_blend": plan.job_blend, "missing": [d.describe() for d in plan.missing]}, handle)
