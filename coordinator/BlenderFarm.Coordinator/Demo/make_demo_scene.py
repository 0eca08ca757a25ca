# Builds BlenderFarm's demo scene: a short, small Cycles animation that renders in seconds per frame on a CPU.
# Run as: blender -b --factory-startup --python make_demo_scene.py -- OUT.blend [FRAMES]
import math
import sys

import bpy

args = sys.argv[sys.argv.index("--") + 1:]
out_path = args[0]
frames = int(args[1]) if len(args) > 1 else 48

bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene
scene.name = "BlenderFarm demo"
scene.frame_start = 1
scene.frame_end = frames
scene.render.engine = "CYCLES"
scene.cycles.device = "CPU"
scene.cycles.samples = 16
scene.cycles.use_denoising = False
scene.cycles.max_bounces = 4
scene.render.resolution_x = 480
scene.render.resolution_y = 270
scene.render.resolution_percentage = 100
scene.render.image_settings.file_format = "PNG"
scene.render.filepath = "//frames/demo_"

world = bpy.data.worlds.new("Sky")
world.use_nodes = True
world.node_tree.nodes["Background"].inputs["Color"].default_value = (0.35, 0.45, 0.6, 1.0)
world.node_tree.nodes["Background"].inputs["Strength"].default_value = 0.6
scene.world = world


def material(name, color, metallic=0.0, roughness=0.4):
    mat = bpy.data.materials.new(name)
    mat.use_nodes = True
    bsdf = mat.node_tree.nodes["Principled BSDF"]
    bsdf.inputs["Base Color"].default_value = (*color, 1.0)
    bsdf.inputs["Metallic"].default_value = metallic
    bsdf.inputs["Roughness"].default_value = roughness
    return mat


bpy.ops.mesh.primitive_plane_add(size=30)
bpy.context.object.data.materials.append(material("Floor", (0.8, 0.78, 0.72), roughness=0.8))

shapes = [
    (bpy.ops.mesh.primitive_cube_add, (0.9, 0.25, 0.2), -2.6),
    (bpy.ops.mesh.primitive_uv_sphere_add, (0.2, 0.6, 0.9), 0.0),
    (bpy.ops.mesh.primitive_torus_add, (0.95, 0.75, 0.2), 2.6),
]
for index, (add, color, x) in enumerate(shapes):
    add(location=(x, 0, 1))
    obj = bpy.context.object
    obj.data.materials.append(material("Shape%d" % index, color, metallic=0.3 * index))
    if hasattr(obj.data, "polygons"):
        bpy.ops.object.shade_smooth()
    for frame in range(1, frames + 1, 6):
        phase = (frame - 1) / frames * 2 * math.pi + index * 2.1
        obj.location.z = 1.0 + abs(math.sin(phase)) * 1.5
        obj.rotation_euler = (phase * 0.5, phase, 0.0)
        obj.keyframe_insert("location", frame=frame)
        obj.keyframe_insert("rotation_euler", frame=frame)

bpy.ops.object.light_add(type="SUN", location=(4, -4, 8))
bpy.context.object.data.energy = 3.0
bpy.context.object.rotation_euler = (math.radians(45), 0, math.radians(30))
bpy.ops.object.light_add(type="AREA", location=(-4, -3, 5))
bpy.context.object.data.energy = 300.0

bpy.ops.object.camera_add(location=(0, -13, 5.5), rotation=(math.radians(70), 0, 0))
scene.camera = bpy.context.object

bpy.ops.wm.save_as_mainfile(filepath=out_path)
