"""Per-file settings on the Scene (saved with the .blend) and the transient job status on the WindowManager."""

import bpy
from bpy.props import (BoolProperty, CollectionProperty, EnumProperty, FloatProperty, IntProperty, PointerProperty,
                       StringProperty)

WORKER_KINDS = [
    ("DEFAULT", "Preferences", "Use the workers chosen in the add-on preferences"),
    ("LOCAL", "This Computer", "Worker slots on this machine"),
    ("SSH", "SSH Hosts", "Machines listed in the SSH hosts file of the preferences"),
    ("AWS", "AWS Spot", "Cloud instances, as set in the preferences"),
]


class BlenderFarmSceneSettings(bpy.types.PropertyGroup):
    use_scene_frames: BoolProperty(name="Scene Frame Range", default=True,
                                   description="Render the scene's own frame range and step")
    frames: StringProperty(name="Frames", default="1-250",
                           description="Frames to render: 1-250, 1,5,9, 1-100x4 (every 4th) and mixtures")
    chunk_auto: BoolProperty(name="Automatic Chunks", default=True,
                             description="Size chunks from measured frame times so every worker finishes together")
    chunk_size: IntProperty(name="Chunk Size", default=4, min=1, max=1000,
                            description="Frames a worker takes at a time")
    workers: EnumProperty(name="Workers", items=WORKER_KINDS, default="DEFAULT")
    output_folder: StringProperty(name="Output Folder", subtype="DIR_PATH", default="",
                                  description="Where finished frames go; empty: as set in the preferences")
    job_id: StringProperty(name="Job", default="",
                           description="The last job submitted from this file; its progress shows when the file is opened")
    queue_priority: IntProperty(name="Priority", default=0, min=-1000, max=1000,
                                description="Where Add to Queue puts this scene's job: higher renders first, equal "
                                            "priorities in the order they were added")
    queue_paused: BoolProperty(name="Add Paused", default=False,
                               description="Add to Queue keeps the job paused, in its place, until you resume it")


class BlenderFarmQueueJob(bpy.types.PropertyGroup):
    """One job of the farm's queue as the queue sub-panel shows it (farm_queue.rows)."""

    job_id: StringProperty()
    title: StringProperty()
    place: StringProperty()
    state: StringProperty()
    frames: StringProperty()
    failed: StringProperty()
    icon: StringProperty()
    priority: IntProperty()
    progress: FloatProperty(name="Progress", min=0.0, max=100.0, precision=0, subtype="PERCENTAGE")


class BlenderFarmJobStatus(bpy.types.PropertyGroup):
    job_id: StringProperty()
    phase: StringProperty()
    message: StringProperty()
    error: StringProperty()
    missing: StringProperty()
    done: IntProperty()
    failed: IntProperty()
    total: IntProperty()
    progress: FloatProperty(name="Progress", min=0.0, max=100.0, precision=0, subtype="PERCENTAGE")
    eta: StringProperty()
    rate: StringProperty()
    slots: StringProperty()
    hosts: StringProperty(description="The job's worker hosts with their Blender versions, one per line")
    cost: FloatProperty()
    cost_currency: StringProperty(default="USD")
    output_folder: StringProperty()
    last_frame: IntProperty()
    last_frame_path: StringProperty()
    busy: StringProperty(description="What the add-on is doing right now (packing, submitting...)")
    upload: StringProperty(description="The job files' upload to S3 while the job is submitted, one line each")
    upload_progress: FloatProperty(name="Upload", min=0.0, max=100.0, precision=0, subtype="PERCENTAGE")
    connected: BoolProperty()
    queue: CollectionProperty(type=BlenderFarmQueueJob)
    queue_slots: IntProperty()
    queue_message: StringProperty(description="Why the queue shows no jobs: no farm running, or an error")


classes = (BlenderFarmSceneSettings, BlenderFarmQueueJob, BlenderFarmJobStatus)
_register_classes, _unregister_classes = bpy.utils.register_classes_factory(classes)


def register():
    _register_classes()
    bpy.types.Scene.blender_farm = PointerProperty(type=BlenderFarmSceneSettings)
    bpy.types.WindowManager.blender_farm = PointerProperty(type=BlenderFarmJobStatus)


def unregister():
    del bpy.types.WindowManager.blender_farm
    del bpy.types.Scene.blender_farm
    _unregister_classes()
