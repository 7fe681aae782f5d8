#!/usr/bin/env bash
# Installs cairn for the cairn GitHub Action and puts it on the job's PATH.
#
# With CAIRN_VERSION (e.g. 0.1.0): downloads the release archive for this
# runner from CAIRN_ACTION_REPO, checks it against the release's SHA256SUMS,
# and unpacks it. Without: builds the action's own checkout
# (GITHUB_ACTION_PATH) with `cargo install --locked` into ~/.cairn-action,
# which action.yml caches, so later runs skip the build.
set -euo pipefail

fail() {
    echo "::error title=cairn::$*"
    exit 2
}

root="$HOME/.cairn-action"

if [ -z "${CAIRN_VERSION:-}" ]; then
    if [ -x "$root/bin/cairn" ] || [ -x "$root/bin/cairn.exe" ]; then
        echo "cairn: using the cached build in $root"
    else
        command -v cargo >/dev/null ||
            fail "cargo is not installed; give the action a \`version\` to download a release binary instead"
        echo "cairn: building from $GITHUB_ACTION_PATH (cargo install --locked); later runs use the cache"
        cargo install --locked --path "$GITHUB_ACTION_PATH" --root "$root"
    fi
    echo "$root/bin" >>"$GITHUB_PATH"
    exit 0
fi

version="v${CAIRN_VERSION#v}"
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
Linux/X64) target=x86_64-unknown-linux-musl ;;
Linux/ARM64) target=aarch64-unknown-linux-musl ;;
macOS/ARM64) target=aarch64-apple-darwin ;;
macOS/X64) target=x86_64-apple-darwin ;;
Windows/X64) target=x86_64-pc-windows-msvc ;;
*) fail "no cairn release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}; leave \`version\` empty to build from source" ;;
esac
[ -n "${CAIRN_ACTION_REPO:-}" ] ||
    fail "\`version\` needs the action to be used from its repository (uses: owner/cairn@ref), not a local path"

name="cairn-$version-$target"
archive="$name.tar.gz"
[ "$target" = x86_64-pc-windows-msvc ] && archive="$name.zip"
dir="${RUNNER_TEMP:-/tmp}/cairn-$version"
mkdir -p "$dir"
cd "$dir"
echo "cairn: downloading $archive from $CAIRN_ACTION_REPO"
gh release download "$version" --repo "$CAIRN_ACTION_REPO" --pattern "$archive" --pattern SHA256SUMS --clobber ||
    fail "cannot download $archive of release $version from $CAIRN_ACTION_REPO; is \`version\` a published release?"
grep -F " $archive" SHA256SUMS >"$archive.sha256" ||
    fail "SHA256SUMS of $version does not list $archive"
if command -v sha256sum >/dev/null; then
    sha256sum --check "$archive.sha256"
else
    shasum -a 256 --check "$archive.sha256"
fi
case "$archive" in
*.zip) unzip -q -o "$archive" ;;
*) tar -xzf "$archive" ;;
esac
echo "$dir/$name" >>"$GITHUB_PATH"
"$dir/$name/cairn" --version
