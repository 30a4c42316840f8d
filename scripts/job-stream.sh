#!/bin/sh
# A stream of short batch jobs from a login node, counted where they run. Installed into a
# jujusim login machine by scripts/bench-jobs-failover and the e2e JobsAcrossFailover suite.
#
#   job-stream.sh start [INTERVAL] [TAG]  one sbatch every INTERVAL s (default 0.2) until `stop`;
#                                    run it in the background
#   job-stream.sh stop               ends the stream after the sbatch in flight (waits for it)
#
# Job N is named js-TAG-N (a token of its own: Slurm can hand a lost job's id to a later job);
# its script appends "js-TAG-N <job id> <time>" to /var/tmp/job-runs on the compute node that
# runs it. On the login node /var/tmp/job-stream/accepted gets "<token> <job id> <submitted>
# <accepted>" for each job sbatch accepted, refused gets "<token> - <submitted> <returned>
# <exit code>" for each it did not (times: seconds since the epoch; machines share the host's
# clock).
set -u
dir=/var/tmp/job-stream
case "${1:-}" in
start)
    interval=${2:-0.2}
    tag=${3:-0}
    rm -rf "$dir"
    mkdir -p "$dir"
    seq=0
    while [ ! -e "$dir/stop" ]; do
        seq=$((seq + 1))
        submitted=$(date +%s.%N)
        # A client waits through a failover (it retries for up to 1.5 SlurmctldTimeout).
        out=$(timeout 120 sbatch --parsable -J "js-$tag-$seq" -o /dev/null --chdir=/tmp \
            --wrap "echo js-$tag-$seq \$SLURM_JOB_ID \$(date +%s.%N) >> /var/tmp/job-runs" 2>/dev/null)
        rc=$?
        returned=$(date +%s.%N)
        if [ "$rc" = 0 ] && [ -n "$out" ]; then
            echo "js-$tag-$seq ${out%%;*} $submitted $returned" >>"$dir/accepted"
        else
            echo "js-$tag-$seq - $submitted $returned $rc" >>"$dir/refused"
        fi
        sleep "$interval"
    done
    echo done >"$dir/finished"
    ;;
stop)
    touch "$dir/stop"
    i=0
    while [ ! -e "$dir/finished" ] && [ "$i" -lt 1300 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    test -e "$dir/finished"
    ;;
*)
    echo "usage: job-stream.sh start [INTERVAL] | stop" >&2
    exit 2
    ;;
esac
