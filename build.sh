#!/usr/bin/env bash
# BlenderFarm build script for Linux and macOS. build.ps1 is its mirror for Windows: same verbs, same steps.
#
#   ./build.sh deps            install what is missing (Blender; checks for the .NET 10 SDK)
#   ./build.sh build           build everything (Release)
#   ./build.sh test            install what is missing, build, run the whole test suite
#   ./build.sh demo [ARGS]     install what is missing, render the bundled demo scene on this machine's slots
#   ./build.sh bench [ARGS]    run the benchmark (docs/benchmarks.md)
#   ./build.sh package [ARGS]  build the Blender add-on zips (coordinator inside) into artifacts/ (packaging/package.py)
#   ./build.sh run ARGS        run the blenderfarm CLI with ARGS
#   ./build.sh clean           remove build output
set -euo pipefail
cd "$(dirname "$0")"

SOLUTION=BlenderFarmAddon.sln
CLI_PROJECT=coordinator/BlenderFarm.Coordinator
CONFIGURATION=Release
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  if command -v apt-get >/dev/null 2>&1; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
  else
    echo "build.sh: please install: $*" >&2
    exit 1
  fi
}

deps() {
  if ! command -v dotnet >/dev/null 2>&1 || ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
    echo "build.sh: the .NET 10 SDK is needed; trying the distribution package" >&2
    apt_install dotnet-sdk-10.0 || {
      echo "build.sh: install the .NET 10 SDK (https://dotnet.microsoft.com/download) and run this again." >&2
      exit 1
    }
  fi
  if ! command -v blender >/dev/null 2>&1 && [ -z "${BLENDERFARM_BLENDER:-}" ]; then
    echo "build.sh: installing Blender" >&2
    apt_install blender
  fi
  # The add-on's UI test runs Blender under a virtual X server.
  if [ "$(uname -s)" = Linux ] && { ! command -v xvfb-run >/dev/null 2>&1 || ! command -v xauth >/dev/null 2>&1; }; then
    echo "build.sh: installing xvfb, xauth and libgl1-mesa-dri for the add-on's UI test" >&2
    apt_install xvfb xauth libgl1-mesa-dri
  fi
}

test_deps() {
  # The tests run real OpenSSH servers on loopback addresses as stand-ins for worker hosts.
  if [ ! -x /usr/sbin/sshd ] || ! command -v ssh-keygen >/dev/null 2>&1; then
    echo "build.sh: installing OpenSSH (the tests start their own sshd on 127.0.0.x)" >&2
    apt_install openssh-server openssh-client
  fi
  # Each fake spot instance's interruption watcher asks its (fake) instance metadata with curl, as on EC2.
  if ! command -v curl >/dev/null 2>&1; then
    echo "build.sh: installing curl (the AWS tests' instances poll their metadata with it)" >&2
    apt_install curl
  fi
  # The AWS Blender-install tests pack a Linux tarball with tar -J, as Blender's releases are.
  if ! command -v xz >/dev/null 2>&1; then
    echo "build.sh: installing xz-utils (the AWS tests pack a Blender-like tar.xz with it)" >&2
    apt_install xz-utils
  fi
  # The packing tests compare a packed job's frames with the original's (ImageMagick's compare).
  if ! command -v compare >/dev/null 2>&1; then
    echo "build.sh: installing imagemagick (the packing tests compare rendered frames with it)" >&2
    apt_install imagemagick
  fi
  # The packing corpus writes a .vdb with OpenVDB's Python binding (Debian's Blender 3.4 cannot bake smoke) and
  # sets text in a copy of DejaVu Serif Bold.
  if [ "$(uname -s)" = Linux ] && command -v apt-get >/dev/null 2>&1 && { ! /usr/bin/python3 -c "import pyopenvdb" >/dev/null 2>&1 || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf ]; }; then
    echo "build.sh: installing python3-openvdb and fonts-dejavu-core (the packing corpus writes a .vdb and uses a .ttf)" >&2
    apt_install python3-openvdb fonts-dejavu-core
  fi
  # Worker hosts whose users' login shell is fish, tcsh or zsh: remote commands must never be parsed by it.
  if [ "$(uname -s)" = Linux ] && { [ ! -x /usr/bin/fish ] || [ ! -x /usr/bin/tcsh ] || [ ! -x /usr/bin/zsh ]; }; then
    echo "build.sh: installing fish, tcsh and zsh (the SSH tests log into hosts whose users have them as login shell)" >&2
    apt_install fish tcsh zsh
  fi
  # The fake EC2 checks every request against AWS's own EC2 model, shipped in botocore's data.
  if [ "$(uname -s)" = Linux ] && [ ! -f /usr/lib/python3/dist-packages/botocore/data/ec2/2016-11-15/service-2.json ]; then
    echo "build.sh: installing python3-botocore (AWS's EC2 model, which the fake EC2 checks requests against)" >&2
    apt_install python3-botocore
  fi
  # The version matrix (tests/.../Versions) runs Blender 4.3 and 5.x from Debian chroots next to the default Blender.
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
    tools/blender-chroot.sh trixie >/dev/null & trixie=$!
    tools/blender-chroot.sh sid >/dev/null & sid=$!
    local missing=0
    wait "$trixie" || { echo "build.sh: the Blender 4.3 chroot could not be built" >&2; missing=1; }
    wait "$sid" || { echo "build.sh: the Blender 5.x chroot could not be built" >&2; missing=1; }
    # A user's machine may lack the mirror: the matrix then runs on the Blenders there are. CI must prove all three.
    if [ "$missing" = 1 ] && [ -n "${CI:-}" ]; then
      echo "build.sh: CI runs the Blender version matrix and needs both chroots" >&2
      exit 1
    fi
  fi
}

build() {
  dotnet build "$SOLUTION" -c "$CONFIGURATION" -nologo -v quiet
}

run_tests() {
  deps
  test_deps
  build
  local log status=0
  log=$(mktemp)
  # The add-on's pure parts (no Blender): python3 -m unittest, reported like a test project.
  python3 -m unittest discover -s tests/addon -t . -p "test_*.py" 2>&1 | tee -a "$log" || status=$?
  awk '/^Ran [0-9]+ tests/ { n = $2 } /^OK/ { printf "Passed!  - Failed:     0, Passed: %d, Skipped: 0 - add-on unit tests (python)\n", n }
       /^FAILED/ { printf "Failed!  - Failed: 1, Passed: 0, Skipped: 0 - add-on unit tests (python, see above)\n" }' "$log" | tee -a "$log"
  dotnet test "$SOLUTION" -c "$CONFIGURATION" --no-build -nologo 2>&1 | tee -a "$log" || status=$?
  # One closing line for the whole suite, summed over the test projects.
  awk '/(Passed|Failed)! +- +Failed: / {
         gsub(",", ""); for (i = 1; i <= NF; i++) {
           if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
       END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
  rm -f "$log"
  return "$status"
}

verb="${1:-build}"
[ $# -gt 0 ] && shift
case "$verb" in
  deps)  deps ;;
  build) build ;;
  test)  run_tests ;;
  demo)  deps; build; dotnet run --project "$CLI_PROJECT" -c "$CONFIGURATION" --no-build -- demo "$@" ;;
  bench) deps; build; dotnet run --project "$CLI_PROJECT" -c "$CONFIGURATION" --no-build -- bench "$@" ;;
  package) deps; python3 packaging/package.py "$@" ;;
  run)   build; dotnet run --project "$CLI_PROJECT" -c "$CONFIGURATION" --no-build -- "$@" ;;
  clean) dotnet clean "$SOLUTION" -c "$CONFIGURATION" -nologo -v quiet; find . -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} + ;;
  *)     echo "build.sh: unknown verb '$verb' (deps, build, test, demo, bench, package, run, clean)" >&2; exit 2 ;;
esac
