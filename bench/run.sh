#!/usr/bin/env bash
# bench/run.sh: zenctl's performance targets, measured end to end.
#
#   bench/run.sh                                            # file + env cases
#   dbus-run-session -- .ci/keyring-session.sh bench/run.sh # + the real keyring
#
# It builds zenctl and the fake server (bench/fakeserver) with `go build -o`,
# starts the fake as a separate process on 127.0.0.1, and measures, with
# repeated runs and medians:
#
#   version      `zenctl --version` wall time                   <= 10 ms
#   token/*      `zenctl token` wall time / the same single
#                GET /api/v1/api_token done by curl              <= 1.5x
#                (stores: keyring, file, ZENML_STORE_* env)
#   rss/*        peak RSS of `zenctl token`                      <= 25 MiB
#   stampede/*   50 parallel `zenctl token` with an expired
#                access token make exactly 1 login exchange      == 1
#   list/all     `zenctl service-account list --all` over 1,000
#                accounts / curl fetching them in one request    <= 1.5x
#
# It prints a table with PASS/FAIL/SKIP per target and exits 1 if any
# target failed (SKIP: the keyring cases without a Secret Service).
#
# Timing uses hyperfine (-N, no shell) when installed, else bench/measure
# (a Go loop with medians); peak RSS uses /usr/bin/time -f %M when
# installed, else bench/measure (getrusage). Environment:
#
#   BENCH_RUNS=100       measured runs per command
#   BENCH_WARMUP=5       unmeasured runs first (per round)
#   BENCH_ROUNDS=5       hyperfine rounds the runs are split into, each
#                        alternating the commands compared
#   BENCH_PARALLEL=50    processes in the stampede
#   BENCH_STAMPEDE_LIFETIME=10  token lifetime (s) of the stampede's fake
#   BENCH_LIST_ACCOUNTS=1000    service accounts of the list --all case
#   BENCH_ONLY=list      run only the list --all case
#   BENCH_KEEP=1         keep the work dir (binaries, configs, logs)
#   BENCH_NO_HYPERFINE=1, BENCH_NO_TIME=1   use bench/measure even so
#
# All traffic goes to 127.0.0.1; nothing is looked up in DNS.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-100}
WARMUP=${BENCH_WARMUP:-5}
ROUNDS=${BENCH_ROUNDS:-5}
PARALLEL=${BENCH_PARALLEL:-50}
# Stampede token lifetime in seconds. The renewed token stays fresh for
# half of it (the session's refresh leeway), which must cover all PARALLEL processes.
STAMPEDE_LIFETIME=${BENCH_STAMPEDE_LIFETIME:-10}
# Service accounts on the fake of the list --all case.
LIST_ACCOUNTS=${BENCH_LIST_ACCOUNTS:-1000}

work=$(mktemp -d "${TMPDIR:-/tmp}/zenctl-bench.XXXXXX")
fake_pids=()
cleanup() {
	for pid in "${fake_pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "work dir kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

log() { printf '%s\n' "$*" >&2; }
die() { log "bench: $*"; exit 2; }

# The benchmark must never pick up the caller's zenctl state.
unset ZENML_STORE_URL ZENML_STORE_API_TOKEN ZENML_STORE_API_KEY ZENML_STORE_USERNAME \
	ZENML_STORE_PASSWORD ZENML_STORE_VERIFY_SSL ZENML_STORE_SSL_CA_CERT \
	ZENCTL_STORAGE ZENCTL_CONFIG_DIR ZENCTL_OUTPUT ZENCTL_DEBUG 2>/dev/null || true
export NO_COLOR=1

bin="$work/bin"
mkdir -p "$bin"
log "building zenctl, fakeserver and measure into $bin"
go build -o "$bin/zenctl" ./cmd/zenctl
go build -o "$bin/fakeserver" ./bench/fakeserver
go build -o "$bin/measure" ./bench/measure
ZENCTL="$bin/zenctl"
command -v curl >/dev/null || die "curl is required (apt-get install -y curl)"

have_hyperfine=
[ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null && have_hyperfine=1
have_time=
[ -z "${BENCH_NO_TIME:-}" ] && [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1 && have_time=1

# ---------------------------------------------------------------- results
names=() values=() targets=() verdicts=()
failed=0
record() { # name value target verdict
	names+=("$1") values+=("$2") targets+=("$3") verdicts+=("$4")
	[ "$4" = FAIL ] && failed=1
	return 0
}
# le A B: A <= B for decimals.
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
verdict_le() { if le "$1" "$2"; then echo PASS; else echo FAIL; fi; }

# ---------------------------------------------------------------- fake server
# start_fake NAME [FLAGS...]: starts the fake, reads its URL=… lines into
# NAME_URL, NAME_CONTROL_URL, NAME_API_KEY.
start_fake() {
	local name=$1 out="$work/fake-$1.out"
	shift
	"$bin/fakeserver" -addr 127.0.0.1:0 -control-addr 127.0.0.1:0 \
		-seed-service-account "bench-$name" "$@" >"$out" 2>"$work/fake-$name.err" &
	fake_pids+=("$!")
	for _ in $(seq 200); do
		grep -q '^READY=' "$out" 2>/dev/null && break
		sleep 0.05
	done
	grep -q '^READY=' "$out" || die "fake server $name did not start: $(cat "$work/fake-$name.err")"
	printf -v "${name}_URL" '%s' "$(sed -n 's/^URL=//p' "$out")"
	printf -v "${name}_CONTROL_URL" '%s' "$(sed -n 's/^CONTROL_URL=//p' "$out")"
	printf -v "${name}_API_KEY" '%s' "$(sed -n 's/^API_KEY=//p' "$out")"
}

# count CONTROL_URL ENDPOINT: a counter of the fake, e.g. "POST /api/v1/login".
count() {
	curl -sf "$1/__fake/counts" | tr ',{}' '\n\n\n' |
		awk -F'":' -v k="\"$2" '$1 == k { print $2; found=1 } END { if (!found) print 0 }'
}

# stored_token DIR: the session token the file store holds.
stored_token() {
	sed -n 's/.*"access_token": "\([^"]*\)".*/\1/p' "$1/credentials.json" | head -1
}

# login DIR STORAGE URL KEY: logs in with an API key into config dir DIR.
login() {
	printf '%s\n' "$4" | ZENCTL_CONFIG_DIR=$1 ZENCTL_STORAGE=$2 timeout 60 "$ZENCTL" login "$3" --api-key \
		>"$1.login.log" 2>&1
}

# ---------------------------------------------------------------- timing
# time_medians CMD...: prints the median wall time in ms of each command
# (one per line). Commands are strings split like a shell would, run
# without a shell, in the current environment. The runs are split into
# ROUNDS rounds that alternate the commands, so a change in background
# load hits all of them alike; the median is over all rounds' runs.
time_medians() {
	local per=$(((RUNS + ROUNDS - 1) / ROUNDS)) r files=()
	if [ -n "$have_hyperfine" ]; then
		for r in $(seq "$ROUNDS"); do
			files+=("$work/hyperfine.$RANDOM.$r.json")
			hyperfine -N --warmup "$WARMUP" --runs "$per" --style none \
				--export-json "${files[-1]}" "$@" >>"$work/hyperfine.log" 2>&1 ||
				die "hyperfine failed; see $work/hyperfine.log (BENCH_KEEP=1)"
		done
		"$bin/measure" hyperfine "${files[@]}" | sed 's/^median_ms=//'
	else
		local c
		for c in "$@"; do
			# shellcheck disable=SC2086 # word splitting is the point
			eval "set -- $c"
			"$bin/measure" run -n "$RUNS" -warmup "$WARMUP" -- "$@" |
				sed 's/^median_ms=\([^ ]*\).*/\1/'
		done
	fi
}

# rss_median_kb CMD...: the median peak RSS in KiB of 21 runs.
rss_median_kb() {
	if [ -n "$have_time" ]; then
		local i
		for i in $(seq 21); do
			/usr/bin/time -f %M -o "$work/rss.txt" "$@" >/dev/null </dev/null ||
				die "$* failed"
			cat "$work/rss.txt"
		done | sort -n | sed -n 11p
	else
		"$bin/measure" run -n 21 -warmup 0 -- "$@" | sed 's/.*rss_median_kb=\([0-9]*\).*/\1/'
	fi
}

if [ "${BENCH_ONLY:-}" != list ]; then
# ---------------------------------------------------------------- 1. startup
log "measuring zenctl --version"
ms=$(time_medians "$ZENCTL --version")
record "version: zenctl --version" "$ms ms" "<= 10 ms" "$(verdict_le "$ms" 10)"

# ---------------------------------------------------------------- 2-3. token
start_fake main # tokens never expire: measures the fresh-token path
curl_cmd() { # the request zenctl token makes, by curl, with token $1
	printf "curl -s -o /dev/null -H 'Authorization: Bearer %s' '%s/api/v1/api_token?token_type=generic&expires_in=3600'" \
		"$1" "$main_URL"
}

token_case() { # label  (environment already set up by the caller)
	local label=$1 token=$2 out zen curl ratio rss
	"$ZENCTL" token >"$work/token.out" 2>"$work/token.err" ||
		die "zenctl token ($label) failed: $(cat "$work/token.err")"
	log "measuring zenctl token ($label) against curl"
	out=$(time_medians "$ZENCTL token" "$(curl_cmd "$token")")
	zen=$(sed -n 1p <<<"$out")
	curl=$(sed -n 2p <<<"$out")
	ratio=$(awk -v a="$zen" -v b="$curl" 'BEGIN { printf "%.2f", a / b }')
	record "token/$label: zenctl token / curl" "${ratio}x ($zen / $curl ms)" "<= 1.5x" "$(verdict_le "$ratio" 1.5)"
	rss=$(rss_median_kb "$ZENCTL" token)
	record "rss/$label: peak RSS of zenctl token" "$(awk -v k="$rss" 'BEGIN { printf "%.1f MiB", k / 1024 }')" "<= 25 MiB" \
		"$(verdict_le "$rss" $((25 * 1024)))"
}

login "$work/file" file "$main_URL" "$main_API_KEY" || die "login (file) failed: $(cat "$work/file.login.log")"
file_token=$(stored_token "$work/file")
[ -n "$file_token" ] || die "no access token in $work/file/credentials.json"

# keyring: only with a D-Bus session whose Secret Service takes a login.
keyring_ok=
keyring_why="no D-Bus session (run: dbus-run-session -- .ci/keyring-session.sh bench/run.sh)"
if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
	if login "$work/keyring" keyring "$main_URL" "$main_API_KEY" &&
		grep -q 'secret_store: keyring' "$work/keyring/config.yaml"; then
		keyring_ok=1
	else
		keyring_why="no usable Secret Service on the D-Bus session ($(tail -1 "$work/keyring.login.log"))"
	fi
fi
if [ -n "$keyring_ok" ]; then
	(
		export ZENCTL_CONFIG_DIR="$work/keyring"
		# curl needs a valid session token; the file store's is one.
		token_case keyring "$file_token"
		declare -p names values targets verdicts failed >"$work/results.keyring"
	)
	# shellcheck disable=SC1090,SC1091
	. "$work/results.keyring"
else
	record "token/keyring" "skipped: $keyring_why" "<= 1.5x" SKIP
fi

(
	export ZENCTL_CONFIG_DIR="$work/file"
	token_case file "$file_token"
	declare -p names values targets verdicts failed >"$work/results.file"
)
# shellcheck disable=SC1090,SC1091
. "$work/results.file"

mkdir -p "$work/env"
(
	export ZENCTL_CONFIG_DIR="$work/env" ZENML_STORE_URL="$main_URL" ZENML_STORE_API_TOKEN="$file_token"
	token_case env "$file_token"
	declare -p names values targets verdicts failed >"$work/results.env"
)
# shellcheck disable=SC1090,SC1091
. "$work/results.env"

# ---------------------------------------------------------------- 4. stampede
# stampede STORAGE: log in to a fake whose tokens live STAMPEDE_LIFETIME s,
# wait until the stored token has expired, then start PARALLEL `zenctl
# token` at once. They must share one login exchange (the per-server lock
# plus re-reading the store) and all succeed.
start_fake stampede -token-lifetime "${STAMPEDE_LIFETIME}s"
stampede() {
	local storage=$1 dir="$work/stampede-$1" i ok logins mints t0 t1
	login "$dir" "$storage" "$stampede_URL" "$stampede_API_KEY" ||
		die "login ($storage) failed: $(cat "$dir.login.log")"
	log "stampede ($storage): waiting ${STAMPEDE_LIFETIME}s for the token to expire"
	sleep "$STAMPEDE_LIFETIME.5"
	curl -sf -X POST "$stampede_CONTROL_URL/__fake/reset"
	mkdir -p "$dir.out"
	t0=$(date +%s%N)
	local pids=()
	for i in $(seq "$PARALLEL"); do
		ZENCTL_CONFIG_DIR=$dir timeout 60 "$ZENCTL" token >"$dir.out/$i" 2>"$dir.out/$i.err" &
		pids+=("$!")
	done
	ok=0
	for i in "${!pids[@]}"; do
		if wait "${pids[$i]}" && [ -s "$dir.out/$((i + 1))" ]; then ok=$((ok + 1)); fi
	done
	t1=$(date +%s%N)
	logins=$(count "$stampede_CONTROL_URL" "POST /api/v1/login")
	mints=$(count "$stampede_CONTROL_URL" "GET /api/v1/api_token")
	local v=PASS
	[ "$logins" = 1 ] && [ "$ok" = "$PARALLEL" ] || v=FAIL
	record "stampede/$storage: $PARALLEL parallel token, expired session" \
		"$logins login(s), $ok/$PARALLEL ok, $mints api_token, $(((t1 - t0) / 1000000)) ms" "== 1 login, all ok" "$v"
	if [ "$v" = FAIL ]; then
		log "stampede ($storage) errors:"
		cat "$dir.out"/*.err | sort | uniq -c | head >&2
	fi
}
stampede file
if [ -n "$keyring_ok" ]; then
	stampede keyring
else
	record "stampede/keyring" "skipped: $keyring_why" "== 1 login" SKIP
fi

fi # BENCH_ONLY

# ---------------------------------------------------------------- 5. list --all
# `service-account list --all` over LIST_ACCOUNTS accounts (piped, so rows
# stream as tab-separated text) against curl fetching all of them in the
# one request the server allows (size up to 10000, hydrated like zenctl's).
start_fake list -seed-service-accounts "$LIST_ACCOUNTS"
login "$work/list" file "$list_URL" "$list_API_KEY" || die "login (list) failed: $(cat "$work/list.login.log")"
list_token=$(stored_token "$work/list")
(
	export ZENCTL_CONFIG_DIR="$work/list"
	rows=$("$ZENCTL" service-account list --all | wc -l)
	[ "$rows" -gt "$LIST_ACCOUNTS" ] || die "service-account list --all printed $rows rows, want > $LIST_ACCOUNTS"
	curl -sf -X POST "$list_CONTROL_URL/__fake/reset"
	"$ZENCTL" service-account list --all >/dev/null
	pages=$(count "$list_CONTROL_URL" "GET /api/v1/service_accounts")
	log "measuring zenctl service-account list --all ($rows accounts, $pages requests) against curl"
	out=$(time_medians "$ZENCTL service-account list --all" \
		"curl -s -o /dev/null -H 'Authorization: Bearer $list_token' '$list_URL/api/v1/service_accounts?page=1&size=10000&hydrate=true'")
	zen=$(sed -n 1p <<<"$out")
	curl=$(sed -n 2p <<<"$out")
	ratio=$(awk -v a="$zen" -v b="$curl" 'BEGIN { printf "%.2f", a / b }')
	record "list/all: service-account list --all ($rows, $pages requests) / curl" "${ratio}x ($zen / $curl ms)" "<= 1.5x" \
		"$(verdict_le "$ratio" 1.5)"
	declare -p names values targets verdicts failed >"$work/results.list"
)
# shellcheck disable=SC1090,SC1091
. "$work/results.list"

# ---------------------------------------------------------------- report
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
echo
echo "zenctl benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: ${cpu:-unknown CPU}, $(nproc) CPUs, $(uname -sr), $(go version | cut -d' ' -f3)"
echo "timing: $([ -n "$have_hyperfine" ] && echo "$(hyperfine --version) -N, $ROUNDS alternating rounds" || echo 'bench/measure'), $RUNS runs, medians; RSS: $([ -n "$have_time" ] && echo '/usr/bin/time -f %M' || echo 'getrusage'), median of 21"
echo
w=0
for n in "${names[@]}"; do [ ${#n} -gt "$w" ] && w=${#n}; done
printf "%-${w}s  %-58s  %-20s  %s\n" target result goal verdict
for i in "${!names[@]}"; do
	printf "%-${w}s  %-58s  %-20s  %s\n" "${names[$i]}" "${values[$i]}" "${targets[$i]}" "${verdicts[$i]}"
done
echo
if [ "$failed" != 0 ]; then
	echo "FAIL: at least one target missed"
	exit 1
fi
echo "PASS: every measured target met"
