# Run by BlenderFarm as: blender -b FILE.blend --factory-startup --python inspect_scene.py -- OUT.json --scanner scan_deps.py --layout job_layout.py
# Writes what Blender itself knows about the scene: frame range, output size and format, output name, engine,
# and every external file the scene reads (the add-on's scan_deps.py, the one scanner) with
# each file's place in the job folder (the add-on's job_layout.py, the one layout rule). Standard library and bpy only.
import json
import os
import sys

import bpy

MOVIE_FORMATS = {"FFMPEG", "AVI_JPEG", "AVI_RAW"}


def load_module(option, name):
    """One of the add-on's shared modules (scan_deps.py, job_layout.py), shipped beside this script by the coordinator."""
    import importlib.util
    args = sys.argv[sys.argv.index("--") + 1:]
    path = args[args.index(option) + 1] if option in args else os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    spec = importlib.util.spec_from_file_location("blenderfarm_" + name[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def external_files(entries, layout):
    """Missing entries (datablock and the path looked for); every file that is there with its place in the job
    folder (the one layout rule); and what packing refuses (roots, home, hidden folders, links out, size)."""
    root = os.path.dirname(os.path.abspath(bpy.data.filepath))
    missing = [{"kind": e["kind"], "name": e["datablock"], "path": e["absolute"], "missing": e["missing"]}
               for e in entries if not e["exists"] and e["kind"] != "unknown"]
    present, refused = [], []
    for e in entries:
        if not e["exists"] or e["kind"] == "unknown":
            continue
        reason = layout.refusal(e["absolute"], root, e["folder"])
        if reason:
            refused.append(reason)
            continue
        files = e["files"]
        if e["folder"]:
            files, links_out = layout.folder_files(e["absolute"])
            refused.extend(links_out)
        for each in files:
            reason = layout.refusal(each, root)
            if reason:
                refused.append(reason)
                continue
            present.append({"kind": e["kind"], "name": e["datablock"], "path": e["path"], "absolute": each,
                            "linked": e["library"] is not None, "target": layout.target_for(each, root)})
    total = os.path.getsize(bpy.data.filepath) + sum(os.path.getsize(p["absolute"]) for p in present)
    too_big = layout.size_refusal(total, layout.max_job_bytes())
    return missing, present, refused + ([too_big] if too_big else [])


def main():
    out_path = sys.argv[sys.argv.index("--") + 1]
    scene = bpy.context.scene
    render = scene.render
    original_format = render.image_settings.file_format
    is_movie = original_format in MOVIE_FORMATS
    if is_movie:
        # Movie files cannot be split across slots: BlenderFarm renders PNG frames instead. 5.x offers PNG only
        # once the output kind is back to images.
        if hasattr(render.image_settings, "media_type"):
            render.image_settings.media_type = "IMAGE"
        render.image_settings.file_format = "PNG"
    scale = render.resolution_percentage / 100.0
    width = int(render.resolution_x * scale)
    height = int(render.resolution_y * scale)
    if render.use_border and render.use_crop_to_border:
        width = int(width * (render.border_max_x - render.border_min_x))
        height = int(height * (render.border_max_y - render.border_min_y))
    stem = os.path.basename(bpy.path.abspath(render.filepath).replace("\\", "/").rstrip("/")) \
        if not render.filepath.endswith(("/", "\\")) else ""
    scanner = load_module("--scanner", "scan_deps.py")
    entries = scanner.scan()
    missing, present, refused = external_files(entries, load_module("--layout", "job_layout.py"))
    facts = {
        "file": bpy.data.filepath,
        "scene": scene.name,
        "frame_start": scene.frame_start,
        "frame_end": scene.frame_end,
        "frame_step": scene.frame_step,
        "width": width,
        "height": height,
        "file_format": render.image_settings.file_format,
        "original_file_format": original_format,
        "file_extension": render.file_extension if render.use_file_extension else "",
        "output_stem": stem,
        "engine": render.engine,
        "blender_version": bpy.app.version_string,
        # A sequencer-only scene renders its strips without a camera.
        "has_camera": scene.camera is not None or (render.use_sequencer and len(scanner.all_strips(scene)) > 0),
        "missing_files": missing,
        "dependencies": present,
        "refused": refused,
        "scan": entries,
    }
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(facts, handle)


main()
