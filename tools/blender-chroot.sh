#!/usr/bin/env bash
# Builds (once) a minimal Debian chroot holding another Blender release and puts a wrapper for it on PATH, so the
# tests can run the same scenes on several Blender versions on one machine. Needs root and debootstrap.
#
#   tools/blender-chroot.sh trixie    Blender 4.3 -> /usr/local/bin/blender-4.3
#   tools/blender-chroot.sh sid       Blender 5.x -> /usr/local/bin/blender-5.2 (named after the version installed)
#
# The chroot lives in $BLENDER_CHROOTS (default /var/cache/blenderfarm/chroots/SUITE) and is reused when it is
# already complete. The wrapper bind-mounts /proc, /dev, /tmp, /var/tmp, /root, /home, /work and this repository's
# folder (where CI's clone may live anywhere), plus $BLENDER_CHROOT_BINDS (colon-separated), at the same paths, then runs the chroot's blender in the caller's working directory with the caller's environment.
# The host's apt sources are never changed: the mirror is read from them.
set -euo pipefail

suite=${1:?usage: tools/blender-chroot.sh SUITE (trixie, sid)}
root=${BLENDER_CHROOTS:-/var/cache/blenderfarm/chroots}/$suite
bindir=${BLENDER_WRAPPER_DIR:-/usr/local/bin}
repo=$(cd "$(dirname "$0")/.." && pwd)
# The repository needs its own mount only where none of the standard ones below already holds it.
case "$repo/" in /tmp/*|/var/tmp/*|/root/*|/home/*|/work/*) repo= ;; esac
repo_word=${repo:+"'$repo'"}

mirror() {
  local found
  found=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
    | grep -oE 'https?://[^ ]+' | head -1 || true)
  echo "${found:-http://deb.debian.org/debian}"
}

if [ ! -f "$root/.blenderfarm-complete" ]; then
  command -v debootstrap >/dev/null || { echo "blender-chroot: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
  url=$(mirror)
  # --one-file-system: never follow a wrapper's bind mounts (/tmp, /root, ...) out of an unfinished chroot.
  rm -rf --one-file-system "$root"; mkdir -p "$(dirname "$root")"
  debootstrap --variant=minbase "$suite" "$root" "$url" >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; exit 1; }
  mount --bind /proc "$root/proc"
  trap 'umount "$root/proc" 2>/dev/null || true' EXIT
  packages="blender libegl1 libgl1-mesa-dri xvfb xauth"
  # 5.x's extension system imports cattrs and requests, which Debian's blender package does not depend on.
  [ "$suite" = trixie ] || packages="$packages python3-cattr python3-requests"
  chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false update -qq >>"$root.log" 2>&1
  chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >>"$root.log" 2>&1 \
    || { tail -20 "$root.log" >&2; exit 1; }
  chroot "$root" apt-get clean
  umount "$root/proc"; trap - EXIT
  touch "$root/.blenderfarm-complete"
fi

version=$(chroot "$root" dpkg-query -W -f '${Version}' blender | sed -E 's/^[0-9]+://; s/^([0-9]+\.[0-9]+).*/\1/')
wrapper="$bindir/blender-$version"
mkdir -p "$bindir"
cat > "$wrapper.tmp" <<WRAPPER
#!/usr/bin/env bash
# Blender $version from the Debian '$suite' chroot in $root (written by tools/blender-chroot.sh).
set -euo pipefail
root='$root'
binds=\${BLENDER_CHROOT_BINDS:-}
for path in /proc /dev /tmp /var/tmp /root /home /work $repo_word \${binds//:/ }; do
  [ -d "\$path" ] || continue
  mkdir -p "\$root\$path"
  # A mount left from an earlier folder at this path (deleted and made again, as each CI clone is) still shows the
  # deleted folder: take it off unless it is this very folder, then mount the folder there now.
  while mountpoint -q "\$root\$path" && [ "\$(stat -Lc %d:%i "\$path")" != "\$(stat -Lc %d:%i "\$root\$path" 2>/dev/null)" ]; do
    umount -l "\$root\$path" 2>/dev/null || break
  done
  mountpoint -q "\$root\$path" || mount --rbind "\$path" "\$root\$path" 2>/dev/null || mountpoint -q "\$root\$path"
done
# Each chroot's Mesa keeps its own shader cache: another release's Mesa sizes the cache's mmapped index otherwise and
# truncates it under a running Blender, which then dies of SIGBUS (two Blender versions at once in CI did).
export MESA_SHADER_CACHE_DIR="\${HOME:-/root}/.cache/mesa_shader_cache-$suite"
cwd=\$(pwd)
exec chroot "\$root" /bin/sh -c 'cd "\$1" 2>/dev/null || cd /; shift; exec /usr/bin/blender "\$@"' blender "\$cwd" "\$@"
WRAPPER
chmod 755 "$wrapper.tmp"; mv "$wrapper.tmp" "$wrapper"
echo "$wrapper"
