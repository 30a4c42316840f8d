#!/bin/sh
# build_in_debian13.sh SOURCE_DIR JUJUSIM_MACHINE
# Builds `dispatch` the way charmcraft.yaml's part does (Release), with warnings as errors, using
# Debian 13's toolchain (g++ 14, yaml-cpp 0.8, fmt 10, Boost 1.83: newer than Debian 12's, as
# Ubuntu 24.04's and 26.04's are), then checks it links only glibc dynamically and starts.
# The toolchain is jujusim's debian-13-build image (built once by the jujusim image builder,
# cached under the images directory); the build runs on a throw-away overlay above it in a
# private mount namespace, so the image is never written. Compiler cache:
# $JUJUSIM_HOME/ccache/debian-13-build (default /var/lib/jujusim/...). Needs root.
set -eu
src=$(readlink -f "$1")
machine=$2
if [ "$(id -u)" != 0 ]; then
    if [ "${SLURMCTLD_ALLOW_SKIP_ROOT:-}" = 1 ]; then
        echo "SKIPPED: needs root (SLURMCTLD_ALLOW_SKIP_ROOT=1)"
        exit 77
    fi
    echo "build_in_debian13: needs root (mount namespaces, overlayfs, chroot)" >&2
    exit 1
fi
home=${JUJUSIM_HOME:-/var/lib/jujusim}
images=${JUJUSIM_IMAGES:-$home/images}
"$machine" build-image --image debian-13-build | tail -n 20
image=$images/debian-13-build
cache=$home/ccache/debian-13-build
mkdir -p "$cache"
work=$(mktemp -d /var/tmp/slurmctld-debian13-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
mkdir "$work/upper" "$work/work" "$work/root"

# shellcheck disable=SC2016 # expanded by the inner shell
unshare --mount --propagation private -- sh -eu -c '
    image=$1 work=$2 src=$3 cache=$4
    root=$work/root
    mount -t overlay overlay -o "lowerdir=$image,upperdir=$work/upper,workdir=$work/work" "$root"
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mkdir -p "$root/src" "$root/ccache"
    mount --bind "$src" "$root/src"
    mount -o remount,bind,ro "$root/src"
    mount --bind "$cache" "$root/ccache"
    exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C \
        CCACHE_DIR=/ccache CCACHE_BASEDIR=/src /bin/sh /src/tests/toolchain/build_dispatch.sh
' sh "$image" "$work" "$src" "$cache"
echo "dispatch builds with Debian 13's toolchain"
