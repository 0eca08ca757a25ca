# Decodes frame files with Blender's own image loader and prints one JSON line per file:
# {"path": ..., "ok": true, "width": 64, "height": 48, "mean": 0.42}
# blender -b --factory-startup --python decode_frames.py -- FILE...
import json
import sys

import bpy

for path in sys.argv[sys.argv.index("--") + 1:]:
    try:
        image = bpy.data.images.load(path, check_existing=False)
        pixels = list(image.pixels)
        width, height = image.size
        ok = width > 0 and height > 0 and len(pixels) == width * height * image.channels
        mean = sum(pixels) / len(pixels) if pixels else 0.0
        print("DECODED " + json.dumps({"path": path, "ok": ok, "width": width, "height": height, "mean": mean}))
        bpy.data.images.remove(image)
    except Exception as error:  # a file Blender cannot read
        print("DECODED " + json.dumps({"path": path, "ok": False, "error": str(error)}))
