#!/bin/sh
# Fails unless every shared library the binary needs is part of glibc, which every Ubuntu and
# Debian machine has. Usage: check-static-linking.sh BINARY...
set -eu
status=0
for binary in "$@"; do
    needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]/\1/p')
    for lib in $needed; do
        case "$lib" in
            libc.so.6|libm.so.6|ld-linux-x86-64.so.2|libpthread.so.0|libdl.so.2|librt.so.1) ;;
            *) echo "$binary: links $lib dynamically (only glibc may be)" >&2; status=1 ;;
        esac
    done
    echo "$binary: NEEDED $(echo $needed | tr '\n' ' ')"
done
exit $status
