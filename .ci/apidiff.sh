#!/usr/bin/env bash
# Shows the API changes of the public packages (pkg/zenml and its fake,
# pkg/zenml/zenmltest) against a base revision, so that an incompatible
# change is seen in the CI log before users of the library meet it.
#
# Base: $APIDIFF_BASE if set, else the newest v* tag (the last release
# users saw), else the revision in .ci/api-base, else the merge base with
# main, else (on main itself) the previous commit. It prints every change
# and exits 0, unless a change is incompatible and either the base is a
# release tag or APIDIFF_STRICT=1 (APIDIFF_STRICT=0 turns that off). It needs no network once
# apidiff is installed; without apidiff, or without the base revision (a
# shallow clone), it says so and exits 0.
set -euo pipefail

cd "$(git rev-parse --show-toplevel)"
export PATH="$PATH:$(go env GOPATH)/bin"
APIDIFF_VERSION=v0.0.0-20261113113407-e3970619a1a4
PACKAGES=(github.com/zenctl/zenctl/pkg/zenml github.com/zenctl/zenctl/pkg/zenml/zenmltest)

if ! command -v apidiff >/dev/null; then
	echo "apidiff: installing golang.org/x/exp/cmd/apidiff@$APIDIFF_VERSION"
	if ! go install "golang.org/x/exp/cmd/apidiff@$APIDIFF_VERSION" 2>&1; then
		echo "apidiff: not available; API check skipped"
		exit 0
	fi
fi

# From the first release tag on, the newest tag is the base and an
# incompatible change fails (the promise in pkg/zenml's package doc).
strict_default=0
base="${APIDIFF_BASE:-}"
if [ -z "$base" ] && tag=$(git describe --tags --abbrev=0 --match 'v[0-9]*' 2>/dev/null); then
	base=$tag
	strict_default=1
fi
if [ -z "$base" ] && [ -s .ci/api-base ] && git rev-parse -q --verify "$(cat .ci/api-base)^{commit}" >/dev/null; then
	base=$(cat .ci/api-base)
fi
if [ -z "$base" ]; then
	if git rev-parse -q --verify main >/dev/null && [ "$(git merge-base HEAD main)" != "$(git rev-parse HEAD)" ]; then
		base=$(git merge-base HEAD main)
	elif git rev-parse -q --verify HEAD~1 >/dev/null; then
		base=HEAD~1
	else
		echo "apidiff: no base revision (a shallow clone?); API check skipped"
		exit 0
	fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git archive "$base" | tar -x -C "$work/"
mkdir -p "$work/export"

incompatible=0
for pkg in "${PACKAGES[@]}"; do
	rel=${pkg#github.com/zenctl/zenctl/}
	name=${rel//\//_}
	if [ ! -d "$work/$rel" ]; then
		echo "apidiff: $pkg is new since $base"
		continue
	fi
	# The module cache holds every dependency already: stay offline.
	(cd "$work" && GOPROXY=off GOFLAGS=-mod=mod apidiff -w "$work/export/$name.old" "$pkg")
	GOPROXY=off apidiff -w "$work/export/$name.new" "$pkg"
	echo "== API changes of $pkg since $(git rev-parse --short "$base")"
	apidiff "$work/export/$name.old" "$work/export/$name.new" | tee "$work/export/$name.diff"
	if apidiff -incompatible "$work/export/$name.old" "$work/export/$name.new" | grep -q .; then
		incompatible=1
		echo "!! $pkg has incompatible changes (above, under \"Incompatible changes\")"
	fi
done

if [ "$incompatible" = 1 ] && [ "${APIDIFF_STRICT:-$strict_default}" = 1 ]; then
	exit 1
fi
exit 0
