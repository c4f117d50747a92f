#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for the tests marked `slurm` (tests/test_slurm.py).
#
#   bash tests/slurm/cluster.sh start    # install (if needed), configure, start; idempotent
#   bash tests/slurm/cluster.sh status   # exit 0 if every daemon answers
#   bash tests/slurm/cluster.sh stop     # cancel jobs, stop every daemon this script started (by PID)
#
# Needs root and Debian 12 (apt-get). Installs slurm-wlm (slurmctld, slurmd, client commands),
# slurmdbd, munge and mariadb-server. No systemd: every daemon is started by hand, in the
# foreground of its own session, and its PID recorded under $EIPLAST_SLURM_DIR/pids/.
# Everything listens on loopback only:
#   munged     the system socket /run/munge/munge.socket.2 (a munged already running is reused
#              and left alone)
#   mariadbd   a private instance: data in $EIPLAST_SLURM_DIR/mysql, 127.0.0.1:$DB_PORT, its own
#              socket (a system MariaDB, if any, is not touched)
#   slurmdbd   127.0.0.1:6819   (accounting: required by snakemake-executor-plugin-slurm)
#   slurmctld  127.0.0.1:6817, slurmd 127.0.0.1:6818; one node (this host, all its CPUs, 90 % of
#              its memory), one partition.
# The configuration goes to /etc/slurm/slurm.conf and /etc/slurm/slurmdbd.conf (where the client
# commands and Snakemake's SLURM plugin look for it); a file there that this script did not write
# is kept as <file>.eiplast-backup and restored by `stop`.
# After `start`, tests/test_slurm.py finds the cluster through `sinfo`; the account and partition
# to give Snakemake are printed and written to $EIPLAST_SLURM_DIR/env.
set -euo pipefail

STATE=${EIPLAST_SLURM_DIR:-/var/tmp/eiplast-slurm}
CLUSTER=eiplast
ACCOUNT=${EIPLAST_SLURM_ACCOUNT:-eiplast}
PARTITION=${EIPLAST_SLURM_PARTITION:-debug}
DB_PORT=${EIPLAST_SLURM_DB_PORT:-33061}
DB_PASS=eiplast-slurmdbd
MARK="# written by eiplast tests/slurm/cluster.sh"
PACKAGES=(slurm-wlm slurm-client slurmdbd munge mariadb-server mariadb-client)
NODE=$(hostname -s)

log() { printf '[cluster.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

pidfile() { echo "$STATE/pids/$1.pid"; }

alive() { # alive NAME: the recorded daemon is running
	local f
	f=$(pidfile "$1")
	[[ -s $f ]] && kill -0 "$(cat "$f")" 2>/dev/null
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
	local secs=$1 what=$2
	shift 2
	local end=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		if ((SECONDS >= end)); then
			log "timed out after ${secs}s waiting for $what"
			return 1
		fi
		sleep 0.5
	done
}

spawn() { # spawn NAME COMMAND...: start COMMAND in the foreground of a new session, record its PID
	local name=$1
	shift
	if alive "$name"; then
		log "$name already running (pid $(cat "$(pidfile "$name")"))"
		return 0
	fi
	log "starting $name"
	setsid "$@" </dev/null >>"$STATE/log/$name.out" 2>&1 &
	echo $! >"$(pidfile "$name")"
}

install_packages() {
	local missing=()
	for cmd in slurmctld slurmd slurmdbd sbatch sacct sacctmgr munged mariadbd mariadb-install-db; do
		command -v "$cmd" >/dev/null || missing+=("$cmd")
	done
	((${#missing[@]} == 0)) && return 0
	log "installing ${PACKAGES[*]} (missing: ${missing[*]})"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >"$STATE/log/apt.log" 2>&1 || true
	apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >>"$STATE/log/apt.log" 2>&1 ||
		die "apt-get install failed, see $STATE/log/apt.log"
}

write_conf() { # write_conf PATH MODE: stdin -> PATH, keeping a foreign file as a backup
	local path=$1 mode=$2 tmp
	if [[ -e $path ]] && ! grep -qF "$MARK" "$path" && [[ ! -e $path.eiplast-backup ]]; then
		cp -p "$path" "$path.eiplast-backup"
	fi
	tmp=$(mktemp "$path.XXXXXX")
	cat >"$tmp"
	chmod "$mode" "$tmp"
	mv -f "$tmp" "$path"
}

configure() {
	local cpus mem_mb
	cpus=$(nproc)
	mem_mb=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
	mkdir -p /etc/slurm "$STATE/ctld" "$STATE/spool" "$STATE/log"
	write_conf /etc/slurm/slurm.conf 644 <<CONF
$MARK (single-node test cluster; removed by 'cluster.sh stop')
ClusterName=$CLUSTER
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SlurmctldPort=6817
SlurmdPort=6818
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=6819
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30
JobCompType=jobcomp/none
# a job over its time limit gets SIGTERM, then SIGKILL KillWait seconds later
KillWait=10
OverTimeLimit=0
MinJobAge=300
InactiveLimit=0
SlurmctldTimeout=60
SlurmdTimeout=60
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF
	write_conf /etc/slurm/slurmdbd.conf 600 <<CONF
$MARK
AuthType=auth/munge
DbdAddr=127.0.0.1
DbdHost=$NODE
DbdPort=6819
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=$DB_PASS
StorageLoc=slurm_acct_db
PidFile=$STATE/slurmdbd.pid
LogFile=$STATE/log/slurmdbd.log
DebugLevel=info
CONF
}

munge_ok() { munge -n </dev/null | unmunge >/dev/null; }

start_munge() {
	if munge_ok 2>/dev/null; then
		alive munged || log "munged already running (not started here; left alone)"
		return 0
	fi
	if [[ ! -s /etc/munge/munge.key ]]; then
		log "creating /etc/munge/munge.key"
		mkdir -p /etc/munge
		dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
	fi
	chown -R munge:munge /etc/munge
	chmod 700 /etc/munge
	chmod 400 /etc/munge/munge.key
	mkdir -p /run/munge /var/lib/munge /var/log/munge
	chown munge:munge /run/munge /var/lib/munge /var/log/munge
	chmod 755 /run/munge
	rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
	spawn munged setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F
	wait_for 20 munged munge_ok || die "munged did not start, see $STATE/log/munged.out"
}

db() { mariadb --no-defaults --socket="$STATE/mysqlrun/mysqld.sock" -u root "$@"; }

start_mariadb() {
	if [[ ! -d $STATE/mysql/mysql ]]; then
		log "initialising a private MariaDB data directory"
		rm -rf "$STATE/mysql"
		mkdir -p "$STATE/mysql"
		chown mysql:mysql "$STATE/mysql"
		mariadb-install-db --no-defaults --user=mysql --datadir="$STATE/mysql" \
			--auth-root-authentication-method=socket --skip-test-db \
			>>"$STATE/log/mariadb-install.log" 2>&1 ||
			die "mariadb-install-db failed, see $STATE/log/mariadb-install.log"
	fi
	# socket, PID file and error log in a directory the mysql user may write
	mkdir -p "$STATE/mysqlrun"
	chown mysql:mysql "$STATE/mysqlrun"
	spawn mariadbd /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$STATE/mysql" \
		--socket="$STATE/mysqlrun/mysqld.sock" --port="$DB_PORT" --bind-address=127.0.0.1 \
		--pid-file="$STATE/mysqlrun/mariadbd.pid" --log-error="$STATE/mysqlrun/mariadb.log" \
		--innodb-buffer-pool-size=64M --innodb-lock-wait-timeout=900
	wait_for 60 mariadbd db -e "select 1" || die "mariadbd did not start, see $STATE/mysqlrun/mariadb.log"
	db <<SQL
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '$DB_PASS';
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
}

node_state() { sinfo -h -n "$NODE" -o %T 2>/dev/null | head -1; }
node_idle() { [[ $(node_state) =~ ^(idle|mixed|allocated) ]]; }

start_slurm() {
	spawn slurmdbd /usr/sbin/slurmdbd -D
	wait_for 60 slurmdbd sacctmgr -n list cluster || die "slurmdbd did not answer, see $STATE/log/slurmdbd.log"
	sacctmgr -i -Q add cluster "$CLUSTER" >/dev/null 2>&1 || true
	sacctmgr -i -Q add account "$ACCOUNT" cluster="$CLUSTER" \
		description="eiplast tests" organization=eiplast >/dev/null 2>&1 || true
	sacctmgr -i -Q add user root account="$ACCOUNT" cluster="$CLUSTER" >/dev/null 2>&1 || true
	sacctmgr -n -p list associations cluster="$CLUSTER" account="$ACCOUNT" user=root |
		grep -q . || die "no association root/$ACCOUNT in slurmdbd"
	spawn slurmctld /usr/sbin/slurmctld -D -i
	wait_for 60 slurmctld scontrol ping || die "slurmctld did not answer, see $STATE/log/slurmctld.log"
	spawn slurmd /usr/sbin/slurmd -D
	if ! wait_for 60 "node $NODE idle" node_idle; then
		scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true
		wait_for 30 "node $NODE idle" node_idle ||
			die "node $NODE is '$(node_state)', see $STATE/log/slurmd.log"
	fi
}

smoke_test() {
	local out
	out=$(timeout 120 srun -A "$ACCOUNT" -p "$PARTITION" -N1 -n1 -t 1 hostname 2>&1) ||
		die "srun failed: $out"
	log "srun ran on $out"
}

cmd_start() {
	[[ $(id -u) == 0 ]] || die "must run as root"
	mkdir -p "$STATE/pids" "$STATE/log"
	install_packages
	configure
	start_munge
	start_mariadb
	start_slurm
	smoke_test
	printf 'EIPLAST_SLURM_ACCOUNT=%s\nEIPLAST_SLURM_PARTITION=%s\n' "$ACCOUNT" "$PARTITION" |
		tee "$STATE/env"
	log "cluster '$CLUSTER' up: node $NODE, partition $PARTITION, account $ACCOUNT"
}

stop_daemon() { # stop_daemon NAME: SIGTERM the recorded PID, SIGKILL after 20 s
	local f pid
	f=$(pidfile "$1")
	[[ -s $f ]] || return 0
	pid=$(cat "$f")
	if kill -0 "$pid" 2>/dev/null; then
		log "stopping $1 (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 40); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "$1 (pid $pid) ignored SIGTERM: SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$f"
}

restore_conf() {
	local path=$1
	if [[ -e $path.eiplast-backup ]]; then
		mv -f "$path.eiplast-backup" "$path"
	elif [[ -e $path ]] && grep -qF "$MARK" "$path"; then
		rm -f "$path"
	fi
}

cmd_stop() {
	if alive slurmctld; then
		# jobs first, so that no slurmstepd is left behind
		scancel --full --quiet --user=root 2>/dev/null || true
		wait_for 30 "jobs to end" bash -c '[[ -z $(squeue -h -o %i 2>/dev/null) ]]' || true
	fi
	for name in slurmd slurmctld slurmdbd mariadbd munged; do
		stop_daemon "$name"
	done
	restore_conf /etc/slurm/slurm.conf
	restore_conf /etc/slurm/slurmdbd.conf
	log "stopped (state and logs kept in $STATE)"
}

cmd_status() {
	local ok=0
	for name in munged mariadbd slurmdbd slurmctld slurmd; do
		if alive "$name"; then
			echo "$name: running (pid $(cat "$(pidfile "$name")"))"
		else
			echo "$name: not running (from this script)"
		fi
	done
	scontrol ping 2>/dev/null | head -1 || ok=1
	sinfo 2>/dev/null || ok=1
	node_idle || ok=1
	return $ok
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*)
	echo "usage: $0 start|stop|status" >&2
	exit 2
	;;
esac
