"""Add-on preferences: workers kind and its settings, output folder, coordinator path."""

import os

import bpy
from bpy.props import EnumProperty, FloatProperty, IntProperty, StringProperty

from . import coordinator, workers

ADDON_ID = __package__


class BlenderFarmPreferences(bpy.types.AddonPreferences):
    bl_idname = ADDON_ID

    workers_kind: EnumProperty(name="Workers", default="LOCAL", items=[
        ("LOCAL", "This Computer", "Worker slots on this machine"),
        ("SSH", "SSH Hosts", "Machines listed in a hosts file, reached over SSH"),
        ("AWS", "AWS Spot", "EC2 spot instances started for the job"),
    ])
    local_slots: IntProperty(name="Local Slots", default=0, min=0, max=64,
                             description="Blender processes on this machine; 0 lets the coordinator choose")
    ssh_hosts_file: StringProperty(name="SSH Hosts File", subtype="FILE_PATH",
                                   description="One user@host[:port] per line")
    aws_region: StringProperty(name="AWS Region", default="us-east-1")
    aws_profile: StringProperty(name="AWS Profile", default="default")
    aws_instance_types: StringProperty(name="Instance Types", default="g4dn.xlarge,g5.xlarge",
                                       description="Comma-separated EC2 instance types to choose from")
    aws_max_instances: IntProperty(name="Max Instances", default=4, min=1, max=256)
    aws_max_cost: FloatProperty(name="Max Cost (USD)", default=10.0, min=0.0,
                                description="The job stops starting instances once it would cost more")
    output_folder: StringProperty(name="Output Folder", subtype="DIR_PATH", default="",
                                  description="Frames go to a folder per .blend here; empty: NAME-frames next to NAME.blend")
    coordinator_path: StringProperty(name="Coordinator", subtype="FILE_PATH", default="",
                                     description="The blenderfarm executable; empty: the one bundled with the add-on")

    def draw(self, context):
        layout = self.layout
        layout.use_property_split = True
        layout.prop(self, "workers_kind")
        if self.workers_kind == "LOCAL":
            layout.prop(self, "local_slots")
        elif self.workers_kind == "SSH":
            layout.prop(self, "ssh_hosts_file")
        else:
            for name in ("aws_region", "aws_profile", "aws_instance_types", "aws_max_instances", "aws_max_cost"):
                layout.prop(self, name)
        layout.separator()
        layout.prop(self, "output_folder")
        layout.prop(self, "coordinator_path")
        try:
            found = coordinator.find_coordinator(self.coordinator_path, os.path.dirname(__file__))
            layout.label(text="Using " + found, icon="CHECKMARK")
        except coordinator.CoordinatorError as error:
            layout.label(text=str(error), icon="ERROR")
        layout.label(text="Jobs and logs: " + coordinator.home_folder(), icon="FILE_FOLDER")


def get(context=None):
    context = context or bpy.context
    return context.preferences.addons[ADDON_ID].preferences


def workers_spec(kind, prefs):
    """The protocol's typed workers description for a kind (LOCAL, SSH, AWS) and the preferences."""
    return workers.describe(
        kind, local_slots=prefs.local_slots, hosts_file=bpy.path.abspath(prefs.ssh_hosts_file),
        aws_region=prefs.aws_region, aws_profile=prefs.aws_profile, aws_instance_types=prefs.aws_instance_types,
        aws_max_instances=prefs.aws_max_instances, aws_max_cost=prefs.aws_max_cost)


classes = (BlenderFarmPreferences,)
register, unregister = bpy.utils.register_classes_factory(classes)
