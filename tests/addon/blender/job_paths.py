"""Lists what a packed job's .blend reads, with the one scanner: blender -b JOB.blend --factory-startup --python job_paths.py -- ADDON_DIR OUT.json"""

import json
import os
import sys

args = sys.argv[sys.argv.index("--") + 1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(args[0])))

from blender_farm import scan_deps  # noqa: E402

with open(args[1], "w", encoding="utf-8") as handle:
    json.dump(scan_deps.scan(), handle)
