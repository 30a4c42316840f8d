#!/bin/sh
# Runs inside the Debian 13 toolchain root (build_in_debian13.sh), the source at /src read-only:
# configures and builds `dispatch` as charmcraft.yaml's part does, with warnings as errors.
set -eu
dpkg-query -W -f='${Package} ${Version}\n' g++ cmake libyaml-cpp-dev libfmt-dev libspdlog-dev \
    libboost-dev nlohmann-json3-dev libssl-dev
major=$(g++ -dumpversion | cut -d. -f1)
if [ "$major" -lt 14 ]; then
    echo "g++ $major is not Debian 13's toolchain" >&2
    exit 1
fi
cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/ \
    -DSLURMCTLD_WERROR=ON -DSLURMCTLD_BUILD_TESTS=OFF -DSLURMCTLD_BUILD_JUJUSIM=OFF \
    -DSLURMCTLD_BUILD_BENCH=OFF >/dev/null
nice cmake --build /build -j2 --target dispatch
/src/cmake/check-static-linking.sh /build/dispatch
# Started outside Juju it says what is missing; a crash (a signal) fails the test.
set +e
/build/dispatch >/tmp/dispatch.out 2>&1
code=$?
set -e
cat /tmp/dispatch.out
if [ "$code" -ge 128 ] || ! grep -q JUJU_ /tmp/dispatch.out; then
    echo "dispatch outside Juju: exit $code" >&2
    exit 1
fi
ccache -s 2>/dev/null | grep -iE "hits|misses" || true
