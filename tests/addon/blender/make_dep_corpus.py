"""Builds the dependency corpus with Blender itself (blender -b --factory-startup --python make_dep_corpus.py -- DIR):

    DIR/assets/props/props.blend   object "Prop", textured with //tex/wood.png (relative to props.blend)
    DIR/assets/set.blend           links //props/props.blend (relative to set.blend, not to the shot)
    DIR/shots/shot.blend           links //../assets/set.blend; a UDIM image (tiles 1001, 1002), an image sequence
                                   used with offset 1 and duration 3 (frames 2-4), an IES light, an OSL script
                                   node, a sound, multires external data (.btx); and a mesh cache that is missing
    DIR/shots/edit.blend           a sequencer-only scene (no camera): an image strip (directory plus elements)
    DIR/shots/gaps.blend           a UDIM image whose tile 1003 is missing and a sequence missing frame 3
    DIR/shots/fx.blend             a text object in //../assets/fonts/DejaVuSerif-Bold.ttf (a copy of Debian's
                                   fonts-dejavu-core font), particles baked to a disk cache (//blendcache_fx/) with a wind
                                   that is then deleted (only the cache moves them), and a volume object reading
                                   //vdb/ball.vdb (written with python3-openvdb; Debian's 3.4 cannot bake smoke: its
                                   mantaflow fails with "'NoneType' object has no attribute 'getDataPointer'").
                                   96x72; frame 3 shows all three.
    DIR/shots/lights.blend         a dark scene lit only by a point light whose strength is an IES profile
                                   (//light/cone.ies, a narrow cone), and an OSL script node (//osl/glow.osl) giving a
                                   plane's emission (it shows only where Cycles has OSL; no Blender here has it).
    DIR/shots/caches.blend         Alembic and USD cache files: //abc/single.abc with an override layer
                                   //abc/override.abc, a sequence //abc/anim_0001.abc..0003, and //../assets/usd/stage.usd
                                   outside the project. No Blender here reads or writes Alembic or USD
                                   (bpy.app.alembic/usd.supported are False in Debian's 3.4 and the 4.3/5.2 chroots),
                                   so the files hold placeholder bytes: they prove scanning, packing and remapping only.

Tiny: 32x24 pixels, Cycles with 1 sample.
"""

import os
import shutil
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
    if scene.world.node_tree is not None:  # 5.x worlds use nodes from the start
        scene.world.node_tree.nodes["Background"].inputs["Color"].default_value = (1, 1, 1, 1)


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


FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"


def write_vdb(path):
    """A ball of density 1 (radius 1, 0.1 voxels) as an OpenVDB file."""
    try:
        import pyopenvdb
    except ImportError:  # Debian's python3-openvdb; a Blender started under another Python may not list its folder
        sys.path.append("/usr/lib/python3/dist-packages")
        import pyopenvdb
    grid = pyopenvdb.FloatGrid()
    grid.name = "density"
    grid.transform = pyopenvdb.createLinearTransform(voxelSize=0.1)
    accessor = grid.getAccessor()
    for i in range(-10, 11):
        for j in range(-10, 11):
            for k in range(-10, 11):
                if i * i + j * j + k * k <= 100:
                    accessor.setValueOn((i, j, k), 1.0)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pyopenvdb.write(path, grids=[grid])


def flat_material(name, color, emission=False):
    material = bpy.data.materials.new(name)
    material.use_nodes = True
    principled = material.node_tree.nodes["Principled BSDF"]
    principled.inputs["Base Color"].default_value = color
    if emission:
        principled.inputs["Emission"].default_value = color
    return material


def make_fx():
    reset()
    scene = bpy.context.scene
    setup_render(scene)
    scene.render.resolution_x, scene.render.resolution_y = 96, 72
    shots = os.path.join(OUT, "shots")
    bpy.ops.object.camera_add(location=(0, 0, 10))
    scene.camera = bpy.context.active_object
    # Font: a text object in a font file beside the project
    font_path = os.path.join(OUT, "assets", "fonts", os.path.basename(FONT))
    os.makedirs(os.path.dirname(font_path), exist_ok=True)
    shutil.copyfile(FONT, font_path)
    curve = bpy.data.curves.new("Title", "FONT")
    curve.body = "Ag"
    curve.size = 3.5
    curve.font = bpy.data.fonts.load(font_path, check_existing=False)
    curve.materials.append(flat_material("Ink", (0, 0, 0, 1)))
    title = bpy.data.objects.new("Title", curve)
    title.location = (-3.8, 0.4, 0)
    scene.collection.objects.link(title)
    # Volume: a ball read from an OpenVDB file
    write_vdb(os.path.join(shots, "vdb", "ball.vdb"))
    volume = bpy.data.volumes.new("Ball")
    volume.filepath = os.path.join(shots, "vdb", "ball.vdb")
    smoke = bpy.data.materials.new("Smoke")
    smoke.use_nodes = True
    nodes = smoke.node_tree.nodes
    nodes.remove(nodes["Principled BSDF"])
    fog = nodes.new("ShaderNodeVolumePrincipled")
    fog.inputs["Color"].default_value = (0.1, 0.8, 0.1, 1)
    fog.inputs["Density"].default_value = 20
    smoke.node_tree.links.new(fog.outputs[0], nodes["Material Output"].inputs["Volume"])
    volume.materials.append(smoke)
    ball = bpy.data.objects.new("Ball", volume)
    ball.location = (2.2, -1.2, 0)
    scene.collection.objects.link(ball)
    # Particles: emitted at frame 1, pushed by a wind during the bake; the wind is deleted afterwards, so only
    # the disk cache moves them
    bpy.ops.mesh.primitive_plane_add(size=1.5, location=(-2, -1.5, 0))
    emitter = bpy.context.active_object
    emitter.name = "Emitter"
    emitter.show_instancer_for_render = False
    bpy.ops.mesh.primitive_cube_add(size=1)
    grain = bpy.context.active_object
    grain.name = "Grain"
    grain.location = (0, 0, -50)  # out of view; only its instances show
    grain.data.materials.append(flat_material("Red", (1, 0, 0, 1), emission=True))
    emitter.modifiers.new("Particles", "PARTICLE_SYSTEM")
    settings = emitter.particle_systems[0].settings
    settings.count, settings.frame_start, settings.frame_end, settings.lifetime = 12, 1, 1, 100
    settings.normal_factor = 0
    settings.effector_weights.gravity = 0
    settings.render_type, settings.instance_object, settings.particle_size = "OBJECT", grain, 0.35
    bpy.ops.object.effector_add(type="WIND", location=(-6, -1.5, 0), rotation=(0, 1.5708, 0))
    wind = bpy.context.active_object
    wind.field.strength = 60
    save(os.path.join(shots, "fx.blend"))  # a disk cache needs a saved file (//blendcache_fx/)
    cache = emitter.particle_systems[0].point_cache
    cache.use_disk_cache = True
    cache.frame_start, cache.frame_end = 1, 3
    with bpy.context.temp_override(point_cache=cache):
        bpy.ops.ptcache.bake(bake=True)
    bpy.data.objects.remove(wind)
    scene.frame_set(1)
    save(os.path.join(shots, "fx.blend"))


def make_lights():
    reset()
    scene = bpy.context.scene
    setup_render(scene)
    scene.world.color = (0, 0, 0)
    shots = os.path.join(OUT, "shots")
    bpy.ops.object.camera_add(location=(0, 0, 6))
    scene.camera = bpy.context.active_object
    bpy.ops.mesh.primitive_plane_add(size=8)
    floor = bpy.context.active_object
    # OSL: the floor's emission comes from a script (black where Cycles runs without OSL)
    write_text(os.path.join(shots, "osl", "glow.osl"), "shader glow(output color Glow = color(0, 0, 0.5)) { }\n")
    material = flat_material("Floor", (1, 1, 1, 1))
    script = material.node_tree.nodes.new("ShaderNodeScript")
    script.mode = "EXTERNAL"
    script.filepath = "//osl/glow.osl"
    if script.outputs:
        material.node_tree.links.new(script.outputs[0], material.node_tree.nodes["Principled BSDF"].inputs["Emission"])
    floor.data.materials.append(material)
    scene.cycles.shading_system = True
    # IES: light only within 20 degrees of straight down; the rest of the floor stays dark
    write_text(os.path.join(shots, "light", "cone.ies"), "\n".join([
        "IESNA:LM-63-2002", "TILT=NONE", "1 1000 1 5 1 1 2 0 0 0", "1 1 0",
        "0 10 20 30 180", "0", "1000 1000 0 0 0", ""]))
    light = bpy.data.lights.new("Cone", "POINT")
    light.energy = 2000
    light.use_nodes = True
    nodes = light.node_tree.nodes
    ies = nodes.new("ShaderNodeTexIES")
    ies.mode = "EXTERNAL"
    ies.filepath = "//light/cone.ies"
    light.node_tree.links.new(ies.outputs[0], nodes["Emission"].inputs["Strength"])
    lamp = bpy.data.objects.new("Cone", light)
    lamp.location = (1, 0, 3)
    scene.collection.objects.link(lamp)
    save(os.path.join(shots, "lights.blend"))


def write_placeholder(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(b"BlenderFarm placeholder: no Blender here writes Alembic or USD\n")


def cached_object(name, path, sequence=False):
    before = set(bpy.data.cache_files)
    bpy.ops.cachefile.open(filepath=path)
    cache, = set(bpy.data.cache_files) - before
    cache.name, cache.is_sequence = name, sequence
    bpy.ops.mesh.primitive_cube_add(size=0.5)
    obj = bpy.context.active_object
    obj.name = name
    obj.modifiers.new("Cache", "MESH_SEQUENCE_CACHE").cache_file = cache
    return cache


def make_caches():
    reset()
    scene = bpy.context.scene
    setup_render(scene)
    shots = os.path.join(OUT, "shots")
    bpy.ops.object.camera_add(location=(0, 0, 4))
    scene.camera = bpy.context.active_object
    for name in ["single.abc", "override.abc"] + ["anim_%04d.abc" % n for n in (1, 2, 3)]:
        write_placeholder(os.path.join(shots, "abc", name))
    write_placeholder(os.path.join(OUT, "assets", "usd", "stage.usd"))
    save(os.path.join(shots, "caches.blend"))  # relative paths need a saved file
    single = cached_object("Single", "//abc/single.abc")
    single.layers.new("//abc/override.abc")
    cached_object("Anim", "//abc/anim_0001.abc", sequence=True)
    cached_object("Stage", "//../assets/usd/stage.usd")
    save(os.path.join(shots, "caches.blend"))


if __name__ == "__main__":
    make_props()
    make_set()
    make_shot("shot.blend", False, False)
    make_shot("gaps.blend", True, True)
    make_edit()
    make_fx()
    make_lights()
    make_caches()
    print("@@BF corpus made in", OUT)
