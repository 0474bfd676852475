#!/usr/bin/env bash
# Short fuzzing pass: each target for FUZZTIME executions (default 15000x,
# a few seconds for the slowest target), one after another, so the whole
# run stays under a minute on CI's 2 cores. A count, not a duration: with a
# duration, Go 1.26's coordinator can report its own deadline as a failure
# ("context deadline exceeded", no input written; go.dev/issue/75804,
# fixed in Go 1.27). The seed corpora (testdata/fuzz/FuzzXxx/ in each
# package) already run with every plain `go test`; this explores beyond
# them. A failure leaves the reproducer in that package's
# testdata/fuzz/FuzzXxx/ and exits non-zero.
#
#   .ci/fuzz.sh                    # all targets, 15000 executions each
#   FUZZTIME=60s .ci/fuzz.sh       # longer, locally
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME=${FUZZTIME:-15000x}

# package target
targets=(
	"./pkg/zenml FuzzParseError"
	"./pkg/zenml FuzzParseErrorProperties"
	"./pkg/zenml FuzzDecodeJWTClaims"
	"./pkg/zenml FuzzTokenExpiry"
	"./pkg/zenml FuzzDecodeAPIKeyID"
	"./pkg/zenml FuzzRemoveSentThroughInvisibleCharacters"
	"./internal/config FuzzLoad"
	"./internal/credentials FuzzFileStoreGet"
)

# Build the test binaries first, so compile time does not eat fuzz time.
go test -count=1 -run '^$' ./pkg/zenml ./internal/config ./internal/credentials >/dev/null

failed=()
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	printf '=== fuzz %s %s (%s)\n' "$pkg" "$name" "$FUZZTIME"
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg" >"/tmp/zenctl-fuzz-$name.log" 2>&1; then
		cat "/tmp/zenctl-fuzz-$name.log"
		failed+=("$pkg $name")
	else
		tail -1 "/tmp/zenctl-fuzz-$name.log"
	fi
done
if [ "${#failed[@]}" -gt 0 ]; then
	printf 'fuzz: FAILED: %s\n' "${failed[@]}"
	exit 1
fi
echo "fuzz: ${#targets[@]} targets passed"
