"""Absolute paths inside the project, as an artist's scene often holds them: the IES light's, the UDIM image's, the
movie image's and the image strip's paths made absolute (still inside the project).

Imported by pack_open_file.py (unsaved, in the session); run on its own it saves the open file that way:
    blender -b FILE.blend --factory-startup --python make_paths_absolute.py
"""

import bpy


def make_absolute():
    for light in bpy.data.lights:
        for node in (light.node_tree.nodes if light.node_tree else []):
            if node.bl_idname == "ShaderNodeTexIES" and node.filepath.startswith("//"):
                node.filepath = bpy.path.abspath(node.filepath)
    for image in bpy.data.images:
        if image.name in ("Paint", "PlatesMovie"):
            image.filepath = bpy.path.abspath(image.filepath)
    for scene in bpy.data.scenes:
        editor = scene.sequence_editor  # 'strips_all' since 4.4, the only name in 5.x
        for strip in (getattr(editor, "strips_all", None) or getattr(editor, "sequences_all", None) or [] if editor else []):
            if strip.type == "IMAGE":
                strip.directory = bpy.path.abspath(strip.directory)


if __name__ == "__main__":
    make_absolute()
    bpy.context.preferences.filepaths.save_version = 0
    bpy.ops.wm.save_mainfile(relative_remap=False)
