#!/usr/bin/env python3
"""Builds blender_farm-VERSION-PLATFORM.zip: the add-on plus a self-contained coordinator for that platform.

    python3 packaging/package.py                       # every platform, into artifacts/
    python3 packaging/package.py --platform linux-x64  # one platform
    python3 packaging/package.py --out DIR

The zip installs with Blender's "Install..." (legacy add-on, Blender 3.4 to 4.1) and "Install from Disk"
(extension, 4.2+). The coordinator is published self-contained, so artists need no .NET; it is not trimmed
(see packaging/README.md for why).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDON = os.path.join(ROOT, "addon", "blender_farm")
COORDINATOR = os.path.join(ROOT, "coordinator", "BlenderFarm.Coordinator")
PLATFORMS = {"linux-x64": "linux-x64", "windows-x64": "win-x64", "macos-arm64": "osx-arm64", "macos-x64": "osx-x64"}
JUNK = re.compile(r"(^|/)(__pycache__|\.[^/]*)(/|$)|\.(pyc|pyo|pdb|dbg|xml|orig|rej|swp)$|~$")
ADDON_FILES = re.compile(r"\.(py|toml)$")


def addon_version():
    with open(os.path.join(ADDON, "blender_manifest.toml"), encoding="utf-8") as handle:
        return re.search(r'^version\s*=\s*"([^"]+)"', handle.read(), re.M).group(1)


def publish(rid, folder, configuration):
    shutil.rmtree(folder, ignore_errors=True)
    command = ["dotnet", "publish", COORDINATOR, "-c", configuration, "-r", rid, "--self-contained", "true",
               "-p:PublishTrimmed=false", "-p:DebugType=none", "-p:DebugSymbols=false",
               "-p:GenerateDocumentationFile=false", "-p:SatelliteResourceLanguages=en", "-nologo", "-v", "quiet",
               "--artifacts-path", os.path.join(ROOT, "artifacts", "obj", rid),  # never touch bin/ and obj/ of a running test
               "-o", folder]
    subprocess.run(command, check=True)


def generated_table(platform):
    """What `blender -c extension build --split-platforms` appends to each platform's manifest (the source manifest
    keeps every platform; Blender reads [build.generated] over it, and refuses the table in a source manifest)."""
    return ('\n\n# BEGIN GENERATED CONTENT.\n# This must not be included in source manifests.\n[build.generated]\n'
            'platforms = ["%s"]\nwheels = []\n# END GENERATED CONTENT.\n' % platform)


def add_file(archive, source, name, executable=False):
    info = zipfile.ZipInfo(name, date_time=time.localtime(os.stat(source).st_mtime)[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o755 if executable else 0o644) | 0o100000) << 16
    with open(source, "rb") as handle:
        archive.writestr(info, handle.read(), compresslevel=9)


def build_zip(platform, publish_folder, out):
    version = addon_version()
    path = os.path.join(out, "blender_farm-%s-%s.zip" % (version, platform))
    exe = "blenderfarm.exe" if platform.startswith("windows") else "blenderfarm"
    with zipfile.ZipFile(path, "w") as archive:
        for name in sorted(os.listdir(ADDON)):
            source = os.path.join(ADDON, name)
            if not os.path.isfile(source) or not ADDON_FILES.search(name) or JUNK.search(name):
                continue
            if name == "blender_manifest.toml":
                with open(source, encoding="utf-8") as handle:
                    text = handle.read() + generated_table(platform)
                archive.writestr(zipfile.ZipInfo("blender_farm/" + name, time.localtime()[:6]), text,
                                 compress_type=zipfile.ZIP_DEFLATED)
            else:
                add_file(archive, source, "blender_farm/" + name)
        for folder, dirs, files in os.walk(publish_folder):
            dirs.sort()
            for name in sorted(files):
                source = os.path.join(folder, name)
                relative = os.path.relpath(source, publish_folder).replace(os.sep, "/")
                if JUNK.search(relative):
                    continue
                add_file(archive, source, "blender_farm/coordinator/" + relative, executable=name == exe)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--platform", action="append", choices=sorted(PLATFORMS), help="repeat for several; default: all")
    parser.add_argument("--out", default=os.path.join(ROOT, "artifacts"))
    parser.add_argument("--configuration", default="Release")
    parser.add_argument("--reuse-publish", action="store_true", help="zip an earlier publish again (add-on edits only)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for platform in args.platform or list(PLATFORMS):
        started = time.monotonic()
        folder = os.path.join(ROOT, "artifacts", "publish", PLATFORMS[platform])
        if not (args.reuse_publish and os.path.isdir(folder)):
            publish(PLATFORMS[platform], folder, args.configuration)
        path = build_zip(platform, folder, args.out)
        print("%s  %.1f MB  (%.0f s)" % (path, os.path.getsize(path) / 1e6, time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
