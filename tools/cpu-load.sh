#!/usr/bin/env bash
# A CPU-heavy neighbour for test runs: renders Blender's factory scene with Cycles on every core, over and over,
# until it is stopped (SIGTERM or SIGINT), then says how many renders it finished. `.ci/run` starts it beside the
# suite when BLENDERFARM_CI_LOAD=1, to prove the tests do not depend on an idle machine.
#
#   tools/cpu-load.sh [BLENDER]     BLENDER defaults to `blender` on PATH
#   BLENDERFARM_LOAD_THREADS=N      Cycles threads per render (default 0: every core)
set -euo pipefail
blender="${1:-blender}"
threads="${BLENDERFARM_LOAD_THREADS:-0}"
work=$(mktemp -d "${TMPDIR:-/tmp}/bf-cpu-load.XXXXXX")
renders=0
child=
stop() {
  [ -n "$child" ] && kill "$child" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
  echo "cpu-load: stopped after $renders background render(s)" >&2
  exit 0
}
trap stop TERM INT
echo "cpu-load: rendering in a loop with $blender, $threads thread(s) (0: every core) (pid $$)" >&2
while :; do
  "$blender" -b --factory-startup -t "$threads" --python-expr "
import bpy
scene = bpy.context.scene
scene.render.engine = 'CYCLES'
scene.cycles.device = 'CPU'
scene.cycles.samples = 256
scene.cycles.use_denoising = False  # Debian's Blender has no OpenImageDenoise
scene.render.resolution_x, scene.render.resolution_y = 640, 360
scene.render.filepath = r'''$work/frame_'''
" -f 1 >/dev/null 2>&1 &
  child=$!
  wait "$child" || true
  child=
  renders=$((renders + 1))
done
