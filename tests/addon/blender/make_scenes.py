"""Builds the add-on test project with Blender itself (blender -b --factory-startup --python make_scenes.py -- DIR):

    DIR/textures/checker.png   a saturated red/blue checker
    DIR/libs/props.blend       an object "Prop" with its own material, linked into the shots
    DIR/shot.blend             a camera looking at a plane textured with //textures/checker.png, plus the linked Prop
    DIR/shot_plain.blend       the same scene with a plain grey plane instead of the texture (the reference)
    DIR/missing.blend          the same scene whose texture //textures/gone.png does not exist (image "GoneTexture")

Tiny and fast: 48x32 pixels, Cycles with 2 samples, no denoising, frames 1-4.
"""

import os
import sys

import bpy

OUT = os.path.abspath(sys.argv[sys.argv.index("--") + 1])


def reset():
    bpy.ops.wm.read_factory_settings(use_empty=True)


def setup_render(scene):
    scene.render.engine = "CYCLES"
    scene.cycles.samples = 2
    scene.cycles.use_denoising = False
    scene.cycles.device = "CPU"
    scene.render.resolution_x, scene.render.resolution_y, scene.render.resolution_percentage = 48, 32, 100
    scene.render.image_settings.file_format = "PNG"
    scene.frame_start, scene.frame_end = 1, 4
    scene.render.filepath = "//render/shot_"


def make_texture():
    os.makedirs(os.path.join(OUT, "textures"), exist_ok=True)
    image = bpy.data.images.new("checker", 16, 16)
    pixels = []
    for y in range(16):
        for x in range(16):
            red = (x // 4 + y // 4) % 2 == 0
            pixels += [1.0, 0.0, 0.0, 1.0] if red else [0.0, 0.0, 1.0, 1.0]
    image.pixels = pixels
    image.filepath_raw = os.path.join(OUT, "textures", "checker.png")
    image.file_format = "PNG"
    image.save()


def make_library():
    reset()
    bpy.ops.mesh.primitive_cube_add(size=0.6, location=(0.9, 0, 0.3))
    cube = bpy.context.active_object
    cube.name = "Prop"
    material = bpy.data.materials.new("PropMaterial")
    material.diffuse_color = (0.1, 0.9, 0.1, 1)
    cube.data.materials.append(material)
    os.makedirs(os.path.join(OUT, "libs"), exist_ok=True)
    bpy.ops.wm.save_as_mainfile(filepath=os.path.join(OUT, "libs", "props.blend"))


def make_shot(name, texture):
    reset()
    scene = bpy.context.scene
    setup_render(scene)
    bpy.ops.object.camera_add(location=(0, 0, 3), rotation=(0, 0, 0))
    scene.camera = bpy.context.active_object
    bpy.ops.mesh.primitive_plane_add(size=4)
    plane = bpy.context.active_object
    material = bpy.data.materials.new("Ground")
    material.use_nodes = True
    nodes, links = material.node_tree.nodes, material.node_tree.links
    for node in list(nodes):
        nodes.remove(node)
    emission = nodes.new("ShaderNodeEmission")
    output = nodes.new("ShaderNodeOutputMaterial")
    links.new(emission.outputs[0], output.inputs[0])
    emission.inputs["Color"].default_value = (0.5, 0.5, 0.5, 1)
    if texture:
        image_node = nodes.new("ShaderNodeTexImage")
        path = os.path.join(OUT, "textures", texture)
        if os.path.exists(path):
            image = bpy.data.images.load(path)
        else:
            image = bpy.data.images.new("GoneTexture", 4, 4)
            image.source = "FILE"
        image.filepath = "//textures/" + texture
        if not os.path.exists(path):
            image.name = "GoneTexture"
        image_node.image = image
        image_node.interpolation = "Closest"
        links.new(image_node.outputs[0], emission.inputs["Color"])
    plane.data.materials.append(material)
    light = bpy.data.lights.new("Sun", "SUN")
    sun = bpy.data.objects.new("Sun", light)
    scene.collection.objects.link(sun)
    with bpy.data.libraries.load("//libs/props.blend" if False else os.path.join(OUT, "libs", "props.blend"), link=True, relative=True) as (src, dst):
        dst.objects = ["Prop"]
    for obj in dst.objects:
        scene.collection.objects.link(obj)
    bpy.ops.wm.save_as_mainfile(filepath=os.path.join(OUT, name), relative_remap=True)


make_texture()
make_library()
make_shot("shot.blend", "checker.png")
make_shot("shot_plain.blend", None)
make_shot("missing.blend", "gone.png")
print("@@BF scenes made in", OUT)
