# Builds a tiny test scene with Blender itself.
# blender -b --factory-startup --python make_test_scene.py -- OUT.blend JSON_OPTIONS
import json
import sys

import bpy

args = sys.argv[sys.argv.index("--") + 1:]
out_path = args[0]
options = json.loads(args[1])

bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene
scene.frame_start = options.get("start", 1)
scene.frame_end = options.get("end", 8)
if options.get("engine") == "EEVEE":
    # BLENDER_EEVEE_NEXT in 4.2-4.x, BLENDER_EEVEE before and again from 5.0.
    try:
        scene.render.engine = "BLENDER_EEVEE_NEXT"
    except TypeError:
        scene.render.engine = "BLENDER_EEVEE"
    scene.eevee.taa_render_samples = options.get("samples", 4)
else:
    scene.render.engine = "CYCLES"
scene.cycles.device = "CPU"
scene.cycles.samples = options.get("samples", 4)
scene.cycles.use_denoising = False
scene.render.resolution_x = options.get("width", 64)
scene.render.resolution_y = options.get("height", 48)
scene.render.resolution_percentage = options.get("percentage", 100)
file_format = options.get("format", "PNG")
if hasattr(scene.render.image_settings, "media_type"):
    # 5.x: the output kind comes first, and only offers its own formats.
    scene.render.image_settings.media_type = "VIDEO" if file_format == "FFMPEG" else "IMAGE"
scene.render.image_settings.file_format = file_format
scene.render.filepath = options.get("filepath", "//out/frame_")

world = bpy.data.worlds.new("World")
world.use_nodes = True
world.node_tree.nodes["Background"].inputs["Strength"].default_value = 0.5
scene.world = world

bpy.ops.mesh.primitive_plane_add(size=4, location=(0, 0, 0))
plane = bpy.context.object
mat = bpy.data.materials.new("Textured")
mat.use_nodes = True
if options.get("texture"):
    image = bpy.data.images.load(options["texture"], check_existing=False)
    image.name = options.get("texture_name", "texture")
    node = mat.node_tree.nodes.new("ShaderNodeTexImage")
    node.image = image
    mat.node_tree.links.new(node.outputs["Color"], mat.node_tree.nodes["Principled BSDF"].inputs["Base Color"])
plane.data.materials.append(mat)

bpy.ops.mesh.primitive_cube_add(size=1, location=(0, 0, 0.5))
cube = bpy.context.object
if options.get("cube_name"):
    cube.name = options["cube_name"]
cube.rotation_euler = (0, 0, 0)
cube.keyframe_insert("rotation_euler", frame=scene.frame_start)
cube.rotation_euler = (0, 0, 3.0)
cube.keyframe_insert("rotation_euler", frame=scene.frame_end)

if options.get("fluid_cache"):
    fluid = cube.modifiers.new("Fluid", "FLUID")
    fluid.fluid_type = "DOMAIN"
    fluid.domain_settings.cache_directory = options["fluid_cache"]

bpy.ops.object.light_add(type="SUN", location=(2, -2, 4))
if options.get("camera", True):
    bpy.ops.object.camera_add(location=(0, -5, 3), rotation=(1.1, 0, 0))
    scene.camera = bpy.context.object

if options.get("exit_on_frames"):
    # A registered text block (runs on load when Python auto-execution is on, `blender -y`) whose handler makes
    # Blender exit, saying why, whenever it reaches one of these frames: a frame that always crashes Blender.
    handler = bpy.data.texts.new("exit_on_frames.py")
    handler.write(
        "import os, sys\n"
        "import bpy\n"
        f"BAD = {sorted(options['exit_on_frames'])!r}\n"
        "def exit_on_bad_frame(scene, *args):\n"
        "    if scene.frame_current in BAD:\n"
        "        print(f'Error: the scene cannot render frame {scene.frame_current}', file=sys.stderr, flush=True)\n"
        "        os._exit(3)\n"
        "bpy.app.handlers.frame_change_pre.append(exit_on_bad_frame)\n"
    )
    handler.use_module = True

# "compress": true or false saves zstd-compressed or plain; without it, the Blender's own default (5.x compresses).
compression = {"compress": options["compress"]} if "compress" in options else {}
bpy.ops.wm.save_as_mainfile(filepath=out_path, **compression)
bpy.ops.file.make_paths_relative()
bpy.ops.wm.save_mainfile(**compression)
if options.get("texture") and options.get("delete_texture_after"):
    import os
    os.remove(options["texture"])
