"""Real-Blender test of the add-on, run by tests/BlenderFarm.Protocol.Tests (AddonInBlenderTests):

    blender -b --factory-startup --python submit_test.py -- ADDON.zip PROJECT_DIR RESULT.json

Installs the zip with bpy.ops.preferences.addon_install, enables it, opens PROJECT_DIR/shot.blend (external texture
in textures/, linked library in libs/), submits through the add-on's own operator to the bundled coordinator on 2
local slots, waits, and records what a user would check. Then renders the scene without its texture for the pixel
comparison and tries missing.blend. The NUnit test asserts on RESULT.json.
"""

import hashlib
import json
import os
import sys
import time
import traceback

import bpy

ZIP, PROJECT, RESULT = sys.argv[sys.argv.index("--") + 1:][:3]
result = {"errors": []}


def digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def user_state():
    return {
        "filepath": bpy.data.filepath,
        # The add-on's own viewer image (like Blender's Render Result) is not one of the user's images.
        "images": sorted((i.name, i.filepath) for i in bpy.data.images if i.name != "BlenderFarm Latest Frame"),
        "libraries": sorted((l.name, l.filepath) for l in bpy.data.libraries),
        "render_filepath": bpy.context.scene.render.filepath,
    }


def mean_pixels(path):
    image = bpy.data.images.load(path)
    pixels = list(image.pixels)
    bpy.data.images.remove(image)
    return pixels


def main():
    bpy.ops.preferences.addon_install(filepath=ZIP, overwrite=True)
    bpy.ops.preferences.addon_enable(module="blender_farm")
    import blender_farm
    from blender_farm import status
    result["addon_file"] = blender_farm.__file__
    result["blender"] = bpy.app.version_string
    result["enabled_modules"] = [a.module for a in bpy.context.preferences.addons if a.module.endswith("blender_farm")]
    result["render_operator"] = hasattr(bpy.types, "BLENDER_FARM_OT_render")
    result["panels"] = [name for name in dir(bpy.types) if name.startswith("RENDER_PT_blender_farm")]
    prefs = bpy.context.preferences.addons["blender_farm"].preferences
    prefs.workers_kind, prefs.local_slots = "LOCAL", 2

    shot = os.path.join(PROJECT, "shot.blend")
    before_hash, before_mtime = digest(shot), os.stat(shot).st_mtime_ns
    bpy.ops.wm.open_mainfile(filepath=shot)
    before = user_state()
    started = time.monotonic()
    bpy.ops.blender_farm.render()
    job_id = bpy.context.scene.blender_farm.job_id
    result["job_id"] = job_id
    result["submit_seconds"] = time.monotonic() - started
    final = None
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        status.tick()  # the timer's work: drain notifications into the WindowManager status
        final = status.CLIENT.call_sync("job.status", {"jobId": job_id})
        if final["phase"] != "running":
            break
        time.sleep(0.5)
    time.sleep(0.6)
    status.tick()
    result["render_seconds"] = time.monotonic() - started
    result["status"] = final
    wm = bpy.context.window_manager.blender_farm
    result["panel"] = {"phase": wm.phase, "done": wm.done, "total": wm.total, "failed": wm.failed, "message": wm.message,
                       "last_frame_path": wm.last_frame_path, "error": wm.error}
    result["user_state_unchanged"] = user_state() == before
    result["user_state_before"], result["user_state_after"] = before, user_state()
    result["user_file_unchanged"] = digest(shot) == before_hash and os.stat(shot).st_mtime_ns == before_mtime
    job_folder = os.path.dirname(final["blendFile"])
    result["job_folder"] = job_folder
    result["job_files"] = sorted(os.path.relpath(os.path.join(d, f), job_folder).replace(os.sep, "/")
                                 for d, _, files in os.walk(job_folder) for f in files)
    output = final["outputFolder"]
    frames = sorted(f for f in os.listdir(output) if f.endswith(".png"))
    result["frames"] = frames
    result["decoded"] = []
    for name in frames:
        image = bpy.data.images.load(os.path.join(output, name))
        result["decoded"].append({"name": name, "width": image.size[0], "height": image.size[1]})
        bpy.data.images.remove(image)

    # What the same scene looks like without its texture: render frame 1 of shot_plain.blend here.
    bpy.ops.wm.open_mainfile(filepath=os.path.join(PROJECT, "shot_plain.blend"))
    plain_path = os.path.join(os.path.dirname(RESULT), "plain_0001.png")
    bpy.context.scene.frame_set(1)
    bpy.context.scene.render.filepath = plain_path
    bpy.ops.render.render(write_still=True)
    plain = mean_pixels(plain_path)
    farm = mean_pixels(os.path.join(output, frames[0]))
    result["pixel_count"] = [len(plain) // 4, len(farm) // 4]
    result["mean_abs_difference"] = sum(abs(a - b) for a, b in zip(plain, farm)) / max(1, len(plain))
    reds = sum(1 for i in range(0, len(farm), 4) if farm[i] > 0.5 and farm[i + 2] < 0.2)
    blues = sum(1 for i in range(0, len(farm), 4) if farm[i + 2] > 0.5 and farm[i] < 0.2)
    result["texture_pixels"] = {"red": reds, "blue": blues}

    # A scene whose texture is missing: the operator refuses and names the file and the image using it.
    bpy.ops.wm.open_mainfile(filepath=os.path.join(PROJECT, "missing.blend"))
    try:
        bpy.ops.blender_farm.render()
        result["missing_message"] = None
    except RuntimeError as error:
        result["missing_message"] = str(error)
    result["missing_panel"] = bpy.context.window_manager.blender_farm.missing


try:
    main()
except Exception:
    result["errors"].append(traceback.format_exc())
finally:
    with open(RESULT, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    sys.stdout.flush()
