# Sourced by the install tests: installs build dir $1 into a scratch prefix (removed on exit)
# and points pkg-config at it. Sets $scratch, $prefix (pass it to pkg-config), $libdir, $inc.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
meson install -C "$1" --no-rebuild --quiet --destdir "$scratch"
pc=$(find "$scratch" -name eventlet.pc)
[ -n "$pc" ] || { echo "FAIL: no eventlet.pc installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
prefix="--define-variable=prefix=$scratch$(pkg-config --variable=prefix eventlet)"
libdir=$(pkg-config "$prefix" --variable=libdir eventlet)
inc=$(pkg-config "$prefix" --variable=includedir eventlet)/eventlet
