"""The add-on's side of the one-scanner test: blender -b FILE.blend --factory-startup --python addon_scan.py -- ADDON_DIR OUT.json

Imports the add-on package from ADDON_DIR (its parent folder goes on sys.path) and writes what the add-on itself
sees: the scanner's list and the packing dependencies built from it (with each missing file described)."""

import json
import os
import sys

args = sys.argv[sys.argv.index("--") + 1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(args[0])))

from blender_farm import blend_deps, scan_deps  # noqa: E402

entries = scan_deps.scan()
deps = blend_deps.collect(entries)
with open(args[1], "w", encoding="utf-8") as handle:
    json.dump({"scan": entries,
               "missing": [d.describe() for d in deps if not d.exists],
               "warnings": [d.describe() for d in deps if d.warning]}, handle)
