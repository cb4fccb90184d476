#!/bin/sh
# Dev-time only: fetch the pinned MapLibre GL JS from the npm registry into static/vendor/.
# The console loads nothing from outside the centre, so the library ships inside the package.
# To update: change VERSION, run this script, check the console (tests/web), update NOTICE.
#   sh src/ridgeline/web/vendor.sh
# npm checks the tarball against the registry's integrity hash; SHA256SUMS records what was copied.
set -eu
VERSION=6.20.0
HERE=$(cd "$(dirname "$0")" && pwd)
DEST="$HERE/static/vendor/maplibre-gl"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "maplibre-gl@$VERSION" >/dev/null && tar xzf "maplibre-gl-$VERSION.tgz")
mkdir -p "$DEST"
# v6 is ES modules only: the library, its worker (loaded by the library from beside itself), the CSS
for f in maplibre-gl.mjs maplibre-gl-worker.mjs maplibre-gl.css; do
  cp "$WORK/package/dist/$f" "$DEST/$f"
done
cp "$WORK/package/LICENSE.txt" "$DEST/LICENSE.txt"
echo "$VERSION" > "$DEST/VERSION"
(cd "$DEST" && sha256sum maplibre-gl.mjs maplibre-gl-worker.mjs maplibre-gl.css LICENSE.txt > SHA256SUMS)
echo "maplibre-gl $VERSION -> $DEST"
