#!/usr/bin/env bash
# One piece of the measured end-to-end run of the default reproduction (docs/reproduction.md,
# "End-to-end time"): the README's main command in a clean clone, its wall time logged.
#
#   bash bench/e2e_piece.sh <checkout> <output_dir> <piece_log>
#
# Appends to <piece_log> one line per piece:
#   <start ISO time> <end ISO time> <wall s> exit <code> commit <sha> cpu <model>
# A run longer than one working session is stopped (SIGTERM to this script: it forwards the signal
# to make and Snakemake, whose jobs keep their last checkpoint) and continued by the same command;
# the end-to-end time is the sum of the pieces' wall times. The first piece includes the creation
# of .venv. Snakemake's own output goes to <piece_log>.out.
set -u
checkout=$(realpath "$1")
output_dir=$2
piece_log=$3
cd "$checkout" || exit 2
commit=$(git rev-parse --short HEAD)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs | tr ' ' '_')
start_iso=$(date -u +%FT%TZ)
start_s=$(date +%s)
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
end_s=$(date +%s)
printf '%s %s %d exit %d commit %s cpu %s\n' "$start_iso" "$(date -u +%FT%TZ)" \
	$((end_s - start_s)) "$status" "$commit" "$cpu" >>"$piece_log"
exit "$status"
