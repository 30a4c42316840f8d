#!/bin/sh
# pack-charm.sh SOURCE_DIR DISPATCH_BINARY STAGE_DIR OUTPUT.charm PACKED_DASHBOARDS
# Stages the charm as charmcraft would lay it out and zips it (symlinks kept, modes kept). One
# charm for both of charmcraft.yaml's bases (charmcraft packs one per base): the binary links
# only glibc dynamically, and Debian 12's glibc is older than either base's.
# tests/package/charm_package_test.cpp holds this layout to charmcraft.yaml's parts.
set -eu
src=$1 dispatch=$2 stage=$3 out=$4 dashboards=$5
rm -rf "$stage" "$out.tmp"
mkdir -p "$stage/hooks"
install -m 0755 "$dispatch" "$stage/dispatch"
strip --strip-unneeded "$stage/dispatch" 2>/dev/null || true
for f in metadata.yaml config.yaml actions.yaml; do
    install -m 0644 "$src/$f" "$stage/$f"
done
# cos-agent: alert rules and dashboards where upstream keeps them (src/cos), and the dashboards
# packed as cos-lib sends them.
mkdir -p "$stage/src"
cp -R "$src/src/cos" "$stage/src/cos"
install -m 0644 "$dashboards" "$stage/src/cos/grafana_dashboards.packed.json"
# hooks/<name> -> ../dispatch: the binary decodes the hook from argv[0] when Juju runs these.
cp -P "$src"/hooks/* "$stage/hooks/"
cat >"$stage/manifest.yaml" <<MANIFEST
charmcraft-version: native-cmake
charmcraft-started-at: '$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)'
bases:
- name: ubuntu
  channel: '24.04'
  architectures:
  - amd64
- name: ubuntu
  channel: '26.04'
  architectures:
  - amd64
analysis:
  attributes:
  - name: language
    result: c++
  - name: framework
    result: native
MANIFEST
(cd "$stage" && zip -q -X -y -r "$out.tmp" dispatch metadata.yaml config.yaml actions.yaml manifest.yaml hooks src)
mv "$out.tmp" "$out"
echo "packed $out"
