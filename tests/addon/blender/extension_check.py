# Run in Blender 4.2+ after `blender -c extension install-file -r user_default -e ZIP`:
#   blender -b --python extension_check.py -- RESULT.json
# Writes what a user would see: which module the extension registered as, whether it is enabled, and whether its
# Render operator and Render Properties panel exist.
import json
import sys

import addon_utils
import bpy

result_path = sys.argv[sys.argv.index("--") + 1]
modules = [m.__name__ for m in addon_utils.modules() if m.__name__.endswith("blender_farm")]
enabled = [a.module for a in bpy.context.preferences.addons if a.module.endswith("blender_farm")]
panels = [name for name in dir(bpy.types) if name.startswith("RENDER_PT_blender_farm")]
with open(result_path, "w") as out:
    json.dump({
        "blender": bpy.app.version_string,
        "modules": modules,
        "enabled": enabled,
        "render_operator": hasattr(bpy.types, "BLENDER_FARM_OT_render"),
        "panels": panels,
    }, out)
