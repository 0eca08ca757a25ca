# BlenderFarm's slot worker. Run as:
#   blender -b FILE.blend --factory-startup --python worker.py -- --threads N [--format PNG]
# It loads the scene once and renders frames on command, so a job pays Blender's start-up and scene load once per slot.
#
# Protocol (one JSON object per line):
#   stdin:  {"cmd": "render", "frames": [{"frame": 3, "path": "/abs/name_0003.png"}, ...]}   |   {"cmd": "quit"}
#   stdout: lines starting with "@@BF " followed by JSON:
#     {"ev": "ready", "blender": "3.4.1", "file": "..."}
#     {"ev": "begin", "frame": 3}
#     {"ev": "written", "frame": 3, "path": "...", "seconds": 1.25}
#     {"ev": "error", "frame": 3, "message": "..."}
#     {"ev": "chunk_done"}
#   Blender's own lines ("Fra:3 ... | Sample 5/16") pass through and carry sample progress.
# The worker renders on the main thread (timers never fire in a blocking background script) and exits when its
# parent process or its stdin goes away, so a crashed coordinator leaves no Blender behind.
import json
import os
import shutil
import sys
import threading
import time

import bpy

PREFIX = "\n@@BF "


def emit(**event):
    sys.stdout.write(PREFIX + json.dumps(event) + "\n")
    sys.stdout.flush()


def parse_args():
    args = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    options = {"threads": 0, "format": None}
    i = 0
    while i < len(args):
        if args[i] == "--threads":
            options["threads"] = int(args[i + 1])
            i += 2
        elif args[i] == "--format":
            options["format"] = args[i + 1]
            i += 2
        else:
            i += 1
    return options


def watch_parent():
    parent = os.getppid()
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(3)


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
    emit(ev="written", frame=frame, path=path, seconds=round(time.monotonic() - started, 3))


def main():
    options = parse_args()
    scene = bpy.context.scene
    render = scene.render
    if options["threads"] > 0:
        render.threads_mode = "FIXED"
        render.threads = options["threads"]
    if options["format"]:
        render.image_settings.file_format = options["format"]
    render.use_persistent_data = True
    threading.Thread(target=watch_parent, daemon=True).start()
    emit(ev="ready", blender=bpy.app.version_string, file=bpy.data.filepath)
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
