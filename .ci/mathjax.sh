#!/usr/bin/env bash
# Put MathJax 3 into book/_static/mathjax/, so the website renders its math with no network:
# _config.yml points sphinx's mathjax_path at it instead of a CDN.
#
# Fetched at build time from the npm registry (pinned version, checked against the registry's
# sha512 integrity), not committed: the files are ~7 MB of minified third-party code that no one
# here edits, they would bloat every clone for ever, and an upgrade is then a two-line change
# here instead of a vendored-blob diff. The registry is reachable wherever `make` installs the
# Python packages, and npm keeps its own cache, so a rebuild after `make clean` is offline.
#
# Only what tex-mml-chtml.js loads is kept: the combined component itself, the TeX and MathML
# input extensions it autoloads (\boldsymbol, \cancel, ...), the CHTML woff fonts, and the menu's
# accessibility modules (a11y/, sre/, ui/) that a reader can switch on.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=3.2.2
INTEGRITY=sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==
DEST=book/_static/mathjax
STAMP=$DEST/VERSION

# ---- already there? ----
if [ "$(cat "$STAMP" 2>/dev/null)" = "$VERSION" ] && [ -f "$DEST/tex-mml-chtml.js" ]; then
	exit 0
fi

# ---- npm, the registry's own client ----
if ! command -v npm >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt-get update -qq && apt-get install -y -qq --no-install-recommends npm
	else
		echo "mathjax.sh: npm is needed once to fetch MathJax $VERSION (apt-get install npm)" >&2
		exit 1
	fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent --loglevel=error "mathjax@$VERSION" >/dev/null)
tarball="$tmp/mathjax-$VERSION.tgz"

# ---- the bytes are the ones the registry published ----
got=$(python3 -c 'import base64, hashlib, sys
print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$tarball")
if [ "$got" != "$INTEGRITY" ]; then
	echo "mathjax.sh: mathjax-$VERSION.tgz has integrity $got, expected $INTEGRITY" >&2
	exit 1
fi

# ---- keep what the site loads ----
tar -xzf "$tarball" -C "$tmp" package/LICENSE package/es5/tex-mml-chtml.js package/es5/input \
	package/es5/output/chtml/fonts/woff-v2 package/es5/a11y package/es5/sre package/es5/ui
rm -rf "$DEST"
mkdir -p "$DEST"
cp -R "$tmp/package/es5/." "$DEST/"
cp "$tmp/package/LICENSE" "$DEST/LICENSE"
echo "$VERSION" >"$STAMP"
echo "MathJax $VERSION in $DEST ($(du -sh "$DEST" | cut -f1))"
