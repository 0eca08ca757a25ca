# BlenderFarm's slot worker. Run as:
#   blender -b FILE.blend --factory-startup --python worker.py -- --token SECRET --threads N [--format PNG] [--gpu]
# It loads the scene once and renders frames on command, so a job pays Blender's start-up and scene load once per slot.
#
# Protocol (one JSON object per line):
#   stdin:  {"cmd": "render", "frames": [{"frame": 3, "path": "/abs/name_0003.png"}, ...]}   |   {"cmd": "quit"}
#   stdout: lines starting with "@@BF SECRET " followed by JSON. SECRET is the coordinator's random token for this
#   session: the coordinator takes only lines that START with it as events, so a scene that prints text (Cycles prints
#   object names) cannot forge one. The coordinator ignores the "path" of "written": it reads the file only at the path
#   it ordered; "bytes" and "sha256" are mandatory.
#     {"ev": "ready", "blender": "3.4.1", "file": "...", "device": "OPTIX|CUDA|HIP|ONEAPI|METAL|CPU"}
#     {"ev": "begin", "frame": 3}
#     {"ev": "written", "frame": 3, "path": "...", "seconds": 1.25, "bytes": 123, "sha256": "..."}
#     {"ev": "error", "frame": 3, "message": "..."}
#     {"ev": "chunk_done"}
#   Blender's own lines ("Fra:3 ... | Sample 5/16") pass through and carry sample progress.
# The job's .blend arrives with its paths already pointing inside the job folder (the add-on's remap_job.py, the one
# remapper, rewrote the copy), so the worker changes no path.
# The worker renders on the main thread (timers never fire in a blocking background script) and exits when its
# parent process or its stdin goes away, so a crashed coordinator leaves no Blender behind.
import hashlib
import json
import os
import shutil
import sys
import threading
import time

import bpy

PREFIX = "\n@@BF %s "


def emit(**event):
    sys.stdout.write(PREFIX % OPTIONS["token"] + json.dumps(event) + "\n")
    sys.stdout.flush()


def parse_args():
    args = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    options = {"threads": 0, "format": None, "gpu": False, "token": "-"}
    i = 0
    while i < len(args):
        if args[i] == "--threads":
            options["threads"] = int(args[i + 1])
            i += 2
        elif args[i] == "--format":
            options["format"] = args[i + 1]
            i += 2
        elif args[i] == "--token":
            options["token"] = args[i + 1]
            i += 2
        elif args[i] == "--gpu":
            options["gpu"] = True
            i += 1
        else:
            i += 1
    return options


def watch_parent():
    parent = os.getppid()
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(3)


GPU_PREFERENCE = ("OPTIX", "CUDA", "HIP", "ONEAPI", "METAL")


def choose_device(scene):
    """Renders on the best GPU type Cycles finds (OPTIX, then CUDA, HIP, oneAPI, Metal); CPU when none works."""
    if scene.render.engine != "CYCLES":
        return "CPU"
    try:
        preferences = bpy.context.preferences.addons["cycles"].preferences
    except KeyError:
        return "CPU"
    for device_type in GPU_PREFERENCE:
        try:
            preferences.compute_device_type = device_type
        except TypeError:
            continue  # this build has no such backend
        preferences.get_devices()
        devices = [d for d in preferences.devices if d.type == device_type]
        if devices:
            for device in preferences.devices:
                device.use = device.type == device_type
            scene.cycles.device = "GPU"
            return device_type
    preferences.compute_device_type = "NONE"
    scene.cycles.device = "CPU"
    return "CPU"


def file_facts(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return os.path.getsize(path), digest.hexdigest()


def describe_write_error(path, error):
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    message = "; ".join(lines) or error.__class__.__name__
    try:
        free = shutil.disk_usage(os.path.dirname(path)).free
        if free < 1024 * 1024:
            message += " (No space left on device: %d bytes free)" % free
    except OSError:
        pass
    return message


def render_frame(scene, frame, path):
    emit(ev="begin", frame=frame)
    started = time.monotonic()
    try:
        scene.frame_set(frame)
        result = bpy.ops.render.render()
        if "FINISHED" not in result:
            raise RuntimeError("Blender cancelled the render")
    except Exception as error:  # Blender reports scene problems as RuntimeError
        emit(ev="error", frame=frame, message=str(error).strip() or error.__class__.__name__)
        return
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        bpy.data.images["Render Result"].save_render(path, scene=scene)
    except Exception as error:
        message = "could not write %s: %s" % (path, describe_write_error(path, error))
        if os.path.exists(path):
            os.remove(path)  # never leave a partial file behind
        emit(ev="error", frame=frame, message=message)
        return
    if not os.path.isfile(path):
        emit(ev="error", frame=frame, message="Blender reported success but wrote no file at %s" % path)
        return
    size, sha256 = file_facts(path)
    emit(ev="written", frame=frame, path=path, seconds=round(time.monotonic() - started, 3), bytes=size, sha256=sha256)


OPTIONS = parse_args()


def main():
    options = OPTIONS
    scene = bpy.context.scene
    render = scene.render
    if options["threads"] > 0:
        render.threads_mode = "FIXED"
        render.threads = options["threads"]
    if options["format"]:
        if hasattr(render.image_settings, "media_type"):
            # 5.x: a VIDEO output offers only FFMPEG; image formats need the IMAGE kind first.
            render.image_settings.media_type = "IMAGE"
        render.image_settings.file_format = options["format"]
    render.use_persistent_data = True
    device = choose_device(scene) if options["gpu"] else "CPU"
    threading.Thread(target=watch_parent, daemon=True).start()
    emit(ev="ready", blender=bpy.app.version_string, file=bpy.data.filepath, device=device)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            command = json.loads(line)
        except ValueError:
            emit(ev="protocol_error", message="not JSON: %r" % line[:200])
            continue
        if command.get("cmd") == "quit":
            break
        if command.get("cmd") == "render":
            for order in command.get("frames", []):
                render_frame(scene, int(order["frame"]), order["path"])
            emit(ev="chunk_done")
    sys.stdout.flush()
    os._exit(0)


main()
