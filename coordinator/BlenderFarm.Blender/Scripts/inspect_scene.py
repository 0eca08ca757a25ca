# Run by BlenderFarm as: blender -b FILE.blend --factory-startup --python inspect_scene.py -- OUT.json
# Writes what Blender itself knows about the scene: frame range, output size and format, output name, engine,
# and the external files the scene uses that are missing. Standard library and bpy only.
import json
import os
import sys

import bpy

MOVIE_FORMATS = {"FFMPEG", "AVI_JPEG", "AVI_RAW"}


def external_files():
    """External files the scene uses, with the datablock that uses each: (missing, present)."""
    missing = []
    present = []

    def check(kind, block, path):
        if not path:
            return
        if getattr(block, "packed_file", None) is not None:
            return
        # A linked library's path is relative to the file that links it; other paths to the library they live in.
        owner = block.parent if kind == "library" else getattr(block, "library", None)
        absolute = os.path.normpath(bpy.path.abspath(path, library=owner))
        entry = {"kind": kind, "name": block.name, "path": path, "absolute": absolute,
                 "linked": getattr(block, "library", None) is not None}
        if not os.path.exists(absolute):
            missing.append(entry)
        elif os.path.isfile(absolute):
            present.append(entry)

    for image in bpy.data.images:
        if image.source in {"FILE", "SEQUENCE", "MOVIE", "TILED"} and image.users > 0:
            check("image", image, image.filepath)
    for library in bpy.data.libraries:
        check("library", library, library.filepath)
    for clip in bpy.data.movieclips:
        check("movie clip", clip, clip.filepath)
    for sound in bpy.data.sounds:
        check("sound", sound, sound.filepath)
    for font in bpy.data.fonts:
        if font.filepath != "<builtin>":
            check("font", font, font.filepath)
    for cache in bpy.data.cache_files:
        check("cache file", cache, cache.filepath)
    for volume in getattr(bpy.data, "volumes", []):
        check("volume", volume, volume.filepath)
    return missing, present


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
    missing, present = external_files()
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
        "has_camera": scene.camera is not None,
        "missing_files": missing,
        "dependencies": present,
    }
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(facts, handle)


main()
