#!/usr/bin/env bash
# One piece of the measured end-to-end run of the default reproduction (docs/reproduction.md,
# "End-to-end time"): the README's main command in a clean clone, its wall time logged.
#
#   bash bench/e2e_piece.sh <checkout> <output_dir> <piece_log>
#
# Appends to <piece_log> one line per piece:
#   <start ISO time> <end ISO time> <wall s> exit <code> commit <sha> cpu <model>
# A run can be stopped (SIGTERM to this script: it forwards the signal to make and Snakemake, whose
# jobs keep their last checkpoint) and continued by the same command;
# the end-to-end time is the sum of the pieces' wall times. The first piece includes the creation
# of .venv. Snakemake's own output goes to <piece_log>.out.
#
# A piece killed outright (SIGKILL to everything, as when the machine shuts down) cannot log its
# line: every E2E_BEAT_S seconds (default 30) the piece rewrites <piece_log>.alive
# with the line it would log if it ended then, with exit 137 (128 + SIGKILL), and the next piece
# appends that line first. Such a piece's end is its last beat: up to E2E_BEAT_S s early.
set -u
checkout=$(realpath "$1")
output_dir=$2
piece_log=$3
alive="$piece_log.alive"
beat_s=${E2E_BEAT_S:-30}
cd "$checkout" || exit 2
if [ -s "$alive" ]; then # unless that piece logged its line after all (a beat racing its end)
	grep -q "^$(cut -d' ' -f1 "$alive") " "$piece_log" 2>/dev/null || cat "$alive" >>"$piece_log"
	rm -f "$alive"
fi
commit=$(git rev-parse --short HEAD)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs | tr ' ' '_')
start_iso=$(date -u +%FT%TZ)
start_s=$(date +%s)
piece_line() { # <exit code>: this piece's log line, ending now
	printf '%s %s %d exit %d commit %s cpu %s\n' "$start_iso" "$(date -u +%FT%TZ)" \
		$(($(date +%s) - start_s)) "$1" "$commit" "$cpu"
}
while :; do
	piece_line 137 >"$alive.tmp" && mv "$alive.tmp" "$alive"
	sleep "$beat_s"
done &
beat=$!
if [ -x .venv/bin/snakemake ]; then
	.venv/bin/snakemake --unlock --config output_dir="$output_dir" >>"$piece_log.out" 2>&1
fi
setsid make run SNAKE_ARGS="--config output_dir=$output_dir" >>"$piece_log.out" 2>&1 &
child=$!
# on TERM/INT: pass the signal on; Snakemake that is still up 60 s later (seen once, after its
# jobs had stopped) is killed, which leaves a lock that the next piece's --unlock removes
stop() {
	kill -TERM -- -"$child" 2>/dev/null
	for _ in $(seq 60); do
		kill -0 -- -"$child" 2>/dev/null || return
		sleep 1
	done
	kill -KILL -- -"$child" 2>/dev/null
}
trap stop TERM INT
wait "$child"
status=$?
if kill -0 "$child" 2>/dev/null; then
	wait "$child"
	status=$?
fi
kill "$beat" 2>/dev/null
wait "$beat" 2>/dev/null
piece_line "$status" >>"$piece_log"
rm -f "$alive" "$alive.tmp"
exit "$status"
