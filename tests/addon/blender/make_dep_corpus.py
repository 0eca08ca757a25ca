"""Builds the dependency corpus with Blender itself (blender -b --factory-startup --python make_dep_corpus.py -- DIR):

    DIR/assets/props/props.blend   object "Prop", textured with //tex/wood.png (relative to props.blend)
    DIR/assets/set.blend           links //props/props.blend (relative to set.blend, not to the shot)
    DIR/shots/shot.blend           links //../assets/set.blend; a UDIM image (tiles 1001, 1002), an image sequence
                                   used with offset 1 and duration 3 (frames 2-4), an IES light, an OSL script
                                   node, a sound, multires external data (.btx); and a mesh cache that is missing
    DIR/shots/edit.blend           a sequencer-only scene (no camera): an image strip (directory plus elements)
    DIR/shots/gaps.blend           a UDIM image whose tile 1003 is missing and a sequence missing frame 3

Tiny: 32x24 pixels, Cycles with 1 sample.
"""

import os
import struct
import sys
import wave

import bpy

OUT = os.path.abspath(sys.argv[sys.argv.index("--") + 1])


def reset():
    bpy.ops.wm.read_factory_settings(use_empty=True)


def setup_render(scene):
    scene.render.engine = "CYCLES"
    scene.cycles.samples = 1
    scene.cycles.use_denoising = False
    scene.render.resolution_x, scene.render.resolution_y, scene.render.resolution_percentage = 32, 24, 100
    scene.render.image_settings.file_format = "PNG"
    scene.frame_start, scene.frame_end = 1, 3
    # A white sky lights every surface, so a texture the render cannot read changes its pixels.
    scene.world = bpy.data.worlds.new("Sky")
    scene.world.color = (1, 1, 1)


def write_png(path, color):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    image = bpy.data.images.new("tmp", 4, 4)
    image.pixels = list(color) * 16
    image.filepath_raw = path
    image.file_format = "PNG"
    image.save()
    bpy.data.images.remove(image)


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def write_wav(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with wave.open(path, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(8000)
        handle.writeframes(struct.pack("<800h", *([0] * 800)))


def save(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    bpy.ops.wm.save_as_mainfile(filepath=path, relative_remap=True)


def material_with_image(name, image, user=None):
    material = bpy.data.materials.new(name)
    material.use_nodes = True
    node = material.node_tree.nodes.new("ShaderNodeTexImage")
    node.image = image
    if user:
        for key, value in user.items():
            setattr(node.image_user, key, value)
    material.node_tree.links.new(node.outputs[0], material.node_tree.nodes["Principled BSDF"].inputs[0])
    return material


def make_props():
    reset()
    write_png(os.path.join(OUT, "assets", "props", "tex", "wood.png"), (0.6, 0.3, 0.1, 1))
    bpy.ops.mesh.primitive_cube_add(size=0.6)
    cube = bpy.context.active_object
    cube.name = "Prop"
    image = bpy.data.images.load(os.path.join(OUT, "assets", "props", "tex", "wood.png"))
    image.name = "Wood"
    cube.data.materials.append(material_with_image("PropMaterial", image))
    save(os.path.join(OUT, "assets", "props", "props.blend"))


def make_set():
    reset()
    with bpy.data.libraries.load(os.path.join(OUT, "assets", "props", "props.blend"), link=True, relative=True) as (_, dst):
        dst.objects = ["Prop"]
    collection = bpy.data.collections.new("Set")
    bpy.context.scene.collection.children.link(collection)
    for obj in dst.objects:
        collection.objects.link(obj)
    save(os.path.join(OUT, "assets", "set.blend"))


def make_shot(name, missing_tile, missing_frame):
    reset()
    scene = bpy.context.scene
    setup_render(scene)
    shots = os.path.join(OUT, "shots")
    sub = "" if name == "shot.blend" else "gaps_"  # gaps.blend reads its own, incomplete copies
    bpy.ops.object.camera_add(location=(0, 0, 4))
    scene.camera = bpy.context.active_object
    bpy.ops.mesh.primitive_plane_add(size=2)
    plane = bpy.context.active_object
    # UDIM tiles
    tiles = [1001, 1002] + ([1003] if missing_tile else [])
    for number in (1001, 1002):
        write_png(os.path.join(shots, sub + "tex", "paint.%d.png" % number), (0.2, 0.4, 0.8, 1))
    udim = bpy.data.images.new("Paint", 4, 4, tiled=True)
    for number in tiles[1:]:
        udim.tiles.new(number)
    udim.source = "TILED"
    udim.filepath = "//" + sub + "tex/paint.<UDIM>.png"
    plane.data.materials.append(material_with_image("Painted", udim))
    # Image sequence, frames 1-5 on disk; the texture reads 2-4
    for number in range(1, 6):
        if not (missing_frame and number == 3):
            write_png(os.path.join(shots, sub + "seq", "flip_%04d.png" % number), (number / 5.0, 0, 0, 1))
    sequence = bpy.data.images.load(os.path.join(shots, sub + "seq", "flip_0001.png"))
    sequence.name = "Flip"
    sequence.source = "SEQUENCE"
    sequence.filepath = "//" + sub + "seq/flip_0001.png"
    bpy.ops.mesh.primitive_plane_add(size=1, location=(0, 0, 0.1))
    bpy.context.active_object.data.materials.append(
        material_with_image("Flipbook", sequence, {"frame_offset": 1, "frame_duration": 3, "frame_start": 1}))
    if name == "shot.blend":
        # Linked set (nested library)
        with bpy.data.libraries.load(os.path.join(OUT, "assets", "set.blend"), link=True, relative=True) as (_, dst):
            dst.collections = ["Set"]
        for collection in dst.collections:
            instance = bpy.data.objects.new("SetInstance", None)
            instance.instance_type = "COLLECTION"
            instance.instance_collection = collection
            scene.collection.objects.link(instance)
        # IES light and OSL script node
        write_text(os.path.join(shots, "light", "spot.ies"), "IESNA:LM-63-1995\nTILT=NONE\n1 1000 1 1 1 1 2 0 0 0\n1 1 0\n0\n0\n1000\n")
        write_text(os.path.join(shots, "osl", "tint.osl"), "shader tint(output color Out = color(1, 0, 0)) { }\n")
        light = bpy.data.lights.new("Spot", "POINT")
        light.use_nodes = True
        ies = light.node_tree.nodes.new("ShaderNodeTexIES")
        ies.mode = "EXTERNAL"
        ies.filepath = "//light/spot.ies"
        scene.collection.objects.link(bpy.data.objects.new("Spot", light))
        material = bpy.data.materials.new("Scripted")
        material.use_nodes = True
        script = material.node_tree.nodes.new("ShaderNodeScript")
        script.mode = "EXTERNAL"
        script.filepath = "//osl/tint.osl"
        plane.data.materials.append(material)
        # Sound
        write_wav(os.path.join(shots, "audio", "beep.wav"))
        sound = bpy.data.sounds.load(os.path.join(shots, "audio", "beep.wav"))
        sound.use_fake_user = True
        # Missing mesh cache and multires data
        cache = plane.modifiers.new("Cache", "MESH_CACHE")
        cache.cache_format = "MDD"
        cache.filepath = "//caches/plane.mdd"
        multires = plane.modifiers.new("Multires", "MULTIRES")
        multires.show_viewport = multires.show_render = False
        bpy.context.view_layer.objects.active = plane
        bpy.ops.object.multires_subdivide(modifier="Multires", mode="SIMPLE")
        os.makedirs(os.path.join(shots, "caches"), exist_ok=True)
        bpy.ops.object.multires_external_save(filepath=os.path.join(shots, "caches", "plane.btx"))
    save(os.path.join(shots, name))


def make_edit():
    reset()
    scene = bpy.context.scene
    setup_render(scene)
    shots = os.path.join(OUT, "shots")
    for number in (1, 2, 3):
        write_png(os.path.join(shots, "plates", "plate_%02d.png" % number), (0, number / 3.0, 0, 1))
    scene.sequence_editor_create()
    strip = scene.sequence_editor.sequences.new_image("Plate", os.path.join(shots, "plates", "plate_01.png"), 1, 1)
    for number in (2, 3):
        strip.elements.append("plate_%02d.png" % number)
    strip.transform.scale_x, strip.transform.scale_y = 8, 6  # the 4x4 plates fill the 32x24 frame
    # The plates rendered to a movie, added on top: a movie strip the frame shows along with the image strip.
    scene.render.image_settings.file_format = "FFMPEG"
    scene.render.ffmpeg.format, scene.render.ffmpeg.codec = "MPEG4", "H264"
    scene.render.filepath = os.path.join(shots, "plates", "plates_")
    bpy.ops.render.render(animation=True)
    scene.render.image_settings.file_format = "PNG"
    scene.render.filepath = "//render/"
    movie = [f for f in os.listdir(os.path.join(shots, "plates")) if f.startswith("plates_")][0]
    clip = scene.sequence_editor.sequences.new_movie("Movie", os.path.join(shots, "plates", movie), 2, 1)
    clip.blend_type, clip.blend_alpha = "ADD", 0.5
    # The same movie as a movie clip and as a movie image (kept by fake users; they are listed and packed)
    bpy.data.movieclips.load(os.path.join(shots, "plates", movie)).use_fake_user = True
    texture = bpy.data.images.load(os.path.join(shots, "plates", movie))
    texture.name, texture.use_fake_user = "PlatesMovie", True
    save(os.path.join(shots, "edit.blend"))


make_props()
make_set()
make_shot("shot.blend", False, False)
make_shot("gaps.blend", True, True)
make_edit()
print("@@BF corpus made in", OUT)
