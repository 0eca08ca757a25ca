#!/bin/sh
# Runs COMMAND (a Blender under xvfb-run) and serves its screen-capture requests: for each REQUESTS/NAME.request
# holding "GEOMETRY PATH" it saves that part of the X screen to PATH with ImageMagick (import -window root -crop),
# then removes the request. Under Xvfb, Blender 4.3/5.2's own bpy.ops.screen.screenshot saves an all-black image;
# the X server's pixels are right on every version, and the capture runs outside a chroot'ed Blender.
#   usage: xcapture.sh REQUESTS COMMAND [ARGS...]
set -u
requests=$1
shift
"$@" &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  for request in "$requests"/*.request; do
    [ -f "$request" ] || continue
    read -r geometry path < "$request"
    if import -window root -crop "$geometry" +repage "$path.part.png"; then
      mv "$path.part.png" "$path"
    else
      echo "capture failed: $geometry" > "$path.failed"
    fi
    rm -f "$request"
  done
  sleep 0.1
done
wait "$pid"
