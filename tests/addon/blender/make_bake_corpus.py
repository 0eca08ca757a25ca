"""Builds the geometry-nodes bake corpus with a Blender 4.1 or newer (blender-4.3 -b --factory-startup --python
make_bake_corpus.py -- DIR); Debian's 3.4 has neither simulation zones nor Bake nodes:

    DIR/shots/bake.blend   96x72, frame 3. Two cubes with geometry nodes, both baked to disk, then changed so that
                           only the bakes keep them where the frame shows them:
                           "Still": a Bake node (still) baked to the modifier's folder //blendcache_bake/Still_Nodes/;
                           its Set Position offset is changed afterwards (live, the cube leaves the frame).
                           "Sim": a simulation zone rising 0.8 per frame, baked for frames 1-3 to its own custom path
                           //../cache/sim (outside the project); its step is reversed afterwards.
                           "Packed": a Bake node baked into the .blend (4.2+), its modifier still naming a folder
                           that is not there (left from a disk bake): nothing to pack, nothing missing.
"""

import os
import sys

import bpy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_dep_corpus import OUT, flat_material, reset, save, setup_render  # noqa: E402


def nodes_modifier(obj, name, target):
    tree = bpy.data.node_groups.new(name, "GeometryNodeTree")
    tree.interface.new_socket("Geometry", in_out="INPUT", socket_type="NodeSocketGeometry")
    tree.interface.new_socket("Geometry", in_out="OUTPUT", socket_type="NodeSocketGeometry")
    modifier = obj.modifiers.new("Nodes", "NODES")
    modifier.node_group = tree
    if hasattr(modifier, "bake_target"):  # 4.2+; before, every bake is on disk
        modifier.bake_target = target
    return tree, tree.nodes.new("NodeGroupInput"), tree.nodes.new("NodeGroupOutput")


def cube(name, location, color):
    bpy.ops.mesh.primitive_cube_add(size=1.2, location=location)
    obj = bpy.context.active_object
    obj.name = name
    obj.data.materials.append(flat_material(name, color))
    return obj


def bake(obj, node):
    modifier = obj.modifiers["Nodes"]
    entry = next(b for b in modifier.bakes if b.node == node)
    return modifier, entry


def still_bake(obj, name, offset, target="DISK"):
    """A Bake node (still) after a Set Position by ``offset``, baked now; returns the Set Position node."""
    tree, group_in, group_out = nodes_modifier(obj, name, target)
    move = tree.nodes.new("GeometryNodeSetPosition")
    move.inputs["Offset"].default_value = offset
    baker = tree.nodes.new("GeometryNodeBake")
    if "Geometry" not in baker.inputs:  # 5.x makes a Bake node without items
        baker.bake_items.new("GEOMETRY", "Geometry")
    tree.links.new(group_in.outputs[0], move.inputs["Geometry"])
    tree.links.new(move.outputs[0], baker.inputs["Geometry"])
    tree.links.new(baker.outputs["Geometry"], group_out.inputs[0])
    modifier, entry = bake(obj, baker)
    entry.bake_mode = "STILL"
    assert bpy.ops.object.geometry_node_bake_single(session_uid=obj.session_uid, modifier_name=modifier.name,
                                                    bake_id=entry.bake_id) == {"FINISHED"}
    return move


def make_bake():
    reset()
    scene = bpy.context.scene
    setup_render(scene)
    scene.render.resolution_x, scene.render.resolution_y = 96, 72
    bpy.ops.object.camera_add(location=(0, 0, 10))
    scene.camera = bpy.context.active_object
    save(os.path.join(OUT, "shots", "bake.blend"))  # bakes on disk need a saved file
    # A Bake node (still) after a Set Position
    still = cube("Still", (-2, 0, 0), (1, 0, 0, 1))
    scene.frame_set(1)
    move = still_bake(still, "StillNodes", (0, 0, 0))
    move.inputs["Offset"].default_value = (0, 20, 0)
    # A simulation zone rising each frame, baked to a custom path outside the project
    sim = cube("Sim", (2, -2, 0), (0, 0, 1, 1))
    tree, group_in, group_out = nodes_modifier(sim, "SimNodes", "DISK")
    zone_in = tree.nodes.new("GeometryNodeSimulationInput")
    zone_out = tree.nodes.new("GeometryNodeSimulationOutput")
    zone_in.pair_with_output(zone_out)
    step = tree.nodes.new("GeometryNodeSetPosition")
    step.inputs["Offset"].default_value = (0, 0.8, 0)
    tree.links.new(group_in.outputs[0], zone_in.inputs["Geometry"])
    tree.links.new(zone_in.outputs["Geometry"], step.inputs["Geometry"])
    tree.links.new(step.outputs[0], zone_out.inputs["Geometry"])
    tree.links.new(zone_out.outputs["Geometry"], group_out.inputs[0])
    modifier, entry = bake(sim, zone_out)
    entry.use_custom_path, entry.directory = True, "//../cache/sim"
    entry.use_custom_simulation_frame_range, entry.frame_start, entry.frame_end = True, 1, 3
    assert bpy.ops.object.geometry_node_bake_single(session_uid=sim.session_uid, modifier_name=modifier.name,
                                                    bake_id=entry.bake_id) == {"FINISHED"}
    step.inputs["Offset"].default_value = (0, -0.8, 0)
    # A bake packed into the file (4.2+), whose modifier still names a folder
    if "bake_target" in bpy.types.NodesModifier.bl_rna.properties:
        packed = cube("Packed", (-1, -2.5, 0), (0, 1, 0, 1))
        still_bake(packed, "PackedNodes", (0, 0, 0), target="PACKED")
        packed.modifiers["Nodes"].bake_directory = "//blendcache_bake/Packed_Nodes"
    scene.frame_set(1)
    save(os.path.join(OUT, "shots", "bake.blend"))


if __name__ == "__main__":
    make_bake()
    print("@@BF bake corpus made in", OUT)
