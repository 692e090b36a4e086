#!/usr/bin/env bash
# tests/reliability.sh: a campaign of faults against gan99's command line
# (`make reliability`; takes minutes, so it is not part of `make test`).
#
#   1. kill -9 during training at seeded random moments, then --resume (or a
#      fresh start when no checkpoint was written yet): the outputs equal an
#      uninterrupted run's, byte for byte, and no temporary file is left
#   2. Ctrl-C twice, SIGTERM (exit 130, 143, the checkpoint named, a resume
#      equal to the uninterrupted run), Ctrl-C while the dataset loads
#   3. two trainings into one folder at once (the run folder's lock)
#   4. a full disk (a small tmpfs; root only)
#   5. every numeric flag of every command given 0, -1, 1e999, inf, nan,
#      99999999999999999999, "" and 3x: accepted only where valid, else exit 2
#      with a message naming the flag; never exit 1, never a crash
#   6. outputs with an extension gan99 cannot write, and --out naming a file
#      where a folder is expected
#
# One line per case (PASS, FAIL or SKIP and what), then
# "reliability: N trials, N clean, N failures"; exit 1 when any failed.
# RELIABILITY_CASES="2 5" runs those cases only; RELIABILITY_KEEP=1 keeps
# build/reliability/ (every command's stdout and stderr in log/) instead of
# removing it at the end.
# Only bash, coreutils, timeout, kill and cmp (and mount as root). The same
# seed gives the same campaign: the random delays come from $RANDOM seeded
# with a fixed number. Usage: tests/reliability.sh [path/to/gan99]

set -u
shopt -s nullglob globstar dotglob

cd "$(dirname "$0")/.." || exit 2
BIN=${1:-./gan99}
case $BIN in */*) ;; *) BIN=./$BIN ;; esac
if [[ ! -x $BIN ]]; then
    echo "reliability: $BIN is not built (make gan99 first)" >&2
    exit 2
fi
T=build/reliability
IMG=data/astronaut.jpg
RANDOM=9901   # a fixed seed: the same delays every run
# RELIABILITY_CASES="5 6" runs some cases only (while fixing one)
CASES=" ${RELIABILITY_CASES:-1 2 3 4 5 6} "
want() { [[ $CASES == *" $1 "* ]]; }

N_PASS=0
N_FAIL=0
MOUNTED=""

cleanup()
{
    local p
    # only this shell's own unreaped children: a reaped child's id may be
    # another program's by now
    for p in $(jobs -p); do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    [[ -n $MOUNTED ]] && umount "$MOUNTED" 2>/dev/null
    if [[ -n ${RELIABILITY_KEEP:-} ]]; then echo "reliability: kept $T (logs in $T/log)"
    else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM

rm -rf "$T"
mkdir -p "$T/log" || exit 2

pass() { echo "PASS $*"; N_PASS=$((N_PASS + 1)); }
fail() { echo "FAIL $*"; N_FAIL=$((N_FAIL + 1)); }
skip() { echo "SKIP $*"; }

# Milliseconds: bash 5's clock without a process, else date's.
now_ms()
{
    local t
    if [[ -n ${EPOCHREALTIME:-} ]]; then t=${EPOCHREALTIME/[.,]/}; echo $((10#$t / 1000))
    else t=$(date +%s%N); echo $((t / 1000000)); fi
}
sleep_ms() { sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"; }

# The "gan99:" lines of a file joined by " | ", or its first line when it
# has none (what the integrator reads on a FAIL line).
first_msg()
{
    local line first="" out=""
    while IFS= read -r line; do
        [[ -z $first ]] && first=$line
        [[ $line == gan99:* ]] && out+=" | $line"
    done < "$1"
    if [[ -n $out ]]; then echo "${out# | }"; else echo "$first"; fi
}

# Whether a file has a "gan99:" line holding a text (an optional second
# text too, and with `word` matched as a whole flag name).
has_msg()
{
    local file=$1 text=$2 line
    while IFS= read -r line; do
        [[ $line == gan99:* && $line == *"$text"* ]] && return 0
    done < "$file"
    return 1
}
names_flag()
{
    local file=$1 flag=$2 line re
    re="(^|[^a-z0-9-])${flag}([^a-z0-9-]|$)"
    while IFS= read -r line; do
        [[ $line == gan99:* && $line =~ $re ]] && return 0
    done < "$file"
    return 1
}

# Temporaries (*.tmp*) anywhere under a folder, as one line.
temps_in()
{
    local f out=""
    for f in "$1"/**/*.tmp*; do out+=" ${f#"$1"/}"; done
    echo "${out# }"
}

# Waits up to $2 seconds for process $1 (a child); sets RC, or RC=timeout
# after killing it.
wait_pid()
{
    local pid=$1 end=$(($(now_ms) + $2 * 1000))
    while kill -0 "$pid" 2>/dev/null; do
        if (($(now_ms) > end)); then
            kill -9 "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            RC=timeout
            return
        fi
        sleep 0.02
    done
    wait "$pid"
    RC=$?
}

# Waits up to $2 ms for a file to exist or to hold a text ($3).
wait_for()
{
    local end=$(($(now_ms) + $2))
    while (($(now_ms) < end)); do
        if [[ -e $1 ]] && { [[ -z ${3:-} ]] || [[ $(< "$1") == *"$3"* ]]; }; then return 0; fi
        sleep 0.01
    done
    return 1
}

# The tiny training of every run case (about 60 steps of a 32x32 DCGAN).
TINY=(train dcgan --data synth:64 --size 32 --ngf 4 --ndf 4 --nz 8 --batch 8 --steps 60 --sample-every 5
      --checkpoint-every 10)
RESUME=(train dcgan --data synth:64 --resume)   # no setting repeated: they come from the checkpoint
OUTPUTS=(model.safetensors checkpoint.safetensors loss.csv progress.gif)

# Starts gan99 in the background: start NAME ARGS...; sets PID, logs in $T/log/NAME.{out,err}.
start()
{
    local name=$1
    shift
    "$BIN" "$@" > "$T/log/$name.out" 2> "$T/log/$name.err" &
    PID=$!
}

# The outputs of a run folder that differ from the uninterrupted run's.
differs()
{
    local f out=""
    for f in "${OUTPUTS[@]}"; do
        if [[ ! -f $1/$f ]]; then out+=" $f(missing)"
        elif ! cmp -s "$T/ref/$f" "$1/$f"; then out+=" $f"
        fi
    done
    echo "${out# }"
}

# The verdict on a finished run folder: the same outputs as the reference,
# no temporaries, no lock left. Empty when all is well.
run_problems()
{
    local d t out=""
    d=$(differs "$1")
    t=$(temps_in "$1")
    [[ -n $d ]] && out+="; differs from the uninterrupted run: $d"
    [[ -n $t ]] && out+="; temporaries left: $t"
    [[ -e $1/lock ]] && out+="; lock file left"
    echo "${out#; }"
}

# ---- the uninterrupted run ---------------------------------------------------

echo "reliability: $BIN, work folder $T"
REF_OK=0
REF_MS=0
if want 1 || want 2 || want 3; then
t0=$(now_ms)
"$BIN" "${TINY[@]}" --out "$T/ref" > "$T/log/ref.out" 2> "$T/log/ref.err"
rc=$?
REF_MS=$(($(now_ms) - t0))
if ((rc != 0)); then
    fail "uninterrupted tiny run: exit $rc: $(first_msg "$T/log/ref.err")"
else
    missing=""
    for f in "${OUTPUTS[@]}"; do [[ -f $T/ref/$f ]] || missing+=" $f"; done
    if [[ -n $missing ]]; then
        fail "uninterrupted tiny run: missing$missing"
    else
        REF_OK=1
        pass "uninterrupted tiny run: ${REF_MS} ms, every output written"
    fi
fi
fi

# ---- 1. kill -9 at random moments -----------------------------------------------

# One start of a run that was killed (or never started): --resume when a
# checkpoint exists, else a fresh start, which must take over a dead
# process's lock with a message. Sets PID, HOW and NOTE ("" or a problem).
restart()
{
    local dir=$1 name=$2 had_lock=0
    [[ -e $dir/lock ]] && had_lock=1
    if [[ -f $dir/checkpoint.safetensors ]]; then
        HOW=resume
        start "$name" "${RESUME[@]}" --out "$dir"
    else
        HOW=fresh
        start "$name" "${TINY[@]}" --out "$dir"
    fi
    NOTE_LOCK=$had_lock
}

kill_trial()
{
    local i=$1 n_kills=$2 dir="$T/kill$i" k delay desc="" rc problems=""
    for ((k = 1; k <= n_kills; k++)); do
        # the first kill anywhere in the run, a second one in the resumed part
        if ((k == 1)); then delay=$((20 + RANDOM % (REF_MS * 3 / 4))); else delay=$((20 + RANDOM % (REF_MS / 2))); fi
        ((i == 1 && k == 1)) && delay=60   # before anything is written
        if ((k == 1)); then HOW=fresh; NOTE_LOCK=0; start "kill$i.$k" "${TINY[@]}" --out "$dir"
        else restart "$dir" "kill$i.$k"; fi
        sleep_ms "$delay"
        if kill -0 "$PID" 2>/dev/null; then
            kill -9 "$PID"
            wait "$PID" 2>/dev/null
            desc+="${HOW} killed at ${delay} ms"
        else
            wait "$PID"
            rc=$?
            desc+="${HOW} ended (exit $rc) before the kill at ${delay} ms"
            ((rc != 0)) && problems+="; the $HOW run exited $rc: $(first_msg "$T/log/kill$i.$k.err")"
        fi
        if [[ -f $dir/checkpoint.safetensors ]]; then desc+=" (checkpoint), "; else desc+=" (no checkpoint), "; fi
    done
    restart "$dir" "kill$i.end"
    wait_pid "$PID" 120
    rc=$RC
    desc+="$HOW to the end"
    if [[ $rc != 0 ]]; then
        problems+="; the $HOW run exited $rc: $(first_msg "$T/log/kill$i.end.err")"
    else
        if ((NOTE_LOCK)) && ! has_msg "$T/log/kill$i.end.err" lock; then
            problems+="; the $HOW start found a dead process's lock and said nothing about it"
        fi
        local p
        p=$(run_problems "$dir")
        [[ -n $p ]] && problems+="; $p"
    fi
    if [[ -z $problems ]]; then pass "kill -9 trial $i: $desc: outputs identical, no temporaries"
    else fail "kill -9 trial $i: $desc: ${problems#; }"
    fi
    rm -rf "$dir"
}

# kill -9 the moment something appears (polled without a pause): a state
# a random delay hits only now and then. kill_when NAME WHAT GLOB...
kill_when()
{
    local name=$1 what=$2 dir="$T/$1" end rc problems="" hit="" f
    shift 2
    start "$name" "${TINY[@]}" --out "$dir"
    end=$(($(now_ms) + REF_MS * 3))
    while [[ -z $hit ]] && kill -0 "$PID" 2>/dev/null && (($(now_ms) < end)); do
        for f in "$@"; do
            f=("$dir"/$f)
            if ((${#f[@]})) && [[ -e ${f[0]} ]]; then hit=${f[0]#"$dir"/}; break; fi
        done
    done
    kill -9 "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
    local state="no checkpoint"
    [[ -f $dir/checkpoint.safetensors ]] && state="checkpoint"
    [[ -z $hit ]] && hit="nothing seen"
    restart "$dir" "$name.end"
    wait_pid "$PID" 120
    rc=$RC
    if [[ $rc != 0 ]]; then
        problems+="; the $HOW run exited $rc: $(first_msg "$T/log/$name.end.err")"
    else
        if ((NOTE_LOCK)) && ! has_msg "$T/log/$name.end.err" lock; then
            problems+="; the $HOW start found a dead process's lock and said nothing about it"
        fi
        local p
        p=$(run_problems "$dir")
        [[ -n $p ]] && problems+="; $p"
    fi
    if [[ -z $problems ]]; then pass "kill -9 when $what ($hit; $state), $HOW to the end: outputs identical, no temporaries"
    else fail "kill -9 when $what ($hit; $state), $HOW to the end: ${problems#; }"
    fi
    rm -rf "$dir"
}

if ! want 1; then :
elif ((REF_OK)); then
    for i in 1 2 3 4 5 6 7 8 9 10; do
        kill_trial "$i" $((i <= 6 ? 1 : 2))
    done
    kill_when kill-temp "a temporary file appears" "*.tmp*" "samples/*.tmp*"
    kill_when kill-model "model.safetensors first appears" model.safetensors
else
    skip "kill -9 trials (no uninterrupted run to compare with)"
fi

# ---- 2. Ctrl-C and SIGTERM ----------------------------------------------------------

# signal_trial NAME SIGNAL EXPECTED_EXIT TWICE
signal_trial()
{
    local name=$1 sig=$2 want=$3 twice=$4 dir="$T/$1" at problems="" rc t
    # the signal when the grid of step 10..35 appears: mid-run however
    # fast or loaded the machine is
    at=$((5 * (2 + RANDOM % 6)))
    start "$name" "${TINY[@]}" --out "$dir"
    wait_for "$dir/samples/step_$(printf '%07d' "$at").png" 60000
    kill -s "$sig" "$PID" 2>/dev/null
    if ((twice)); then
        sleep 0.05
        kill -s "$sig" "$PID" 2>/dev/null
    fi
    t=$(now_ms)
    wait_pid "$PID" 20
    rc=$RC
    t=$(($(now_ms) - t))
    if [[ $rc == timeout ]]; then
        fail "$name: still running 20 s after SIG$sig"
        rm -rf "$dir"
        return
    fi
    [[ $rc != "$want" ]] && problems+="; exit $rc, not $want ($(first_msg "$T/log/$name.err"))"
    if ! has_msg "$T/log/$name.err" "$dir/checkpoint.safetensors"; then
        problems+="; no stderr line names $dir/checkpoint.safetensors"
    fi
    local tl
    tl=$(temps_in "$dir")
    [[ -n $tl ]] && problems+="; temporaries left after the stop: $tl"
    start "$name.resume" "${RESUME[@]}" --out "$dir"
    wait_pid "$PID" 120
    if [[ $RC != 0 ]]; then
        problems+="; --resume exited $RC: $(first_msg "$T/log/$name.resume.err")"
    else
        local p
        p=$(run_problems "$dir")
        [[ -n $p ]] && problems+="; after --resume: $p"
    fi
    if [[ -z $problems ]]; then
        pass "$name: SIG$sig$( ((twice)) && echo ' twice, 50 ms apart,') at step $at: exit $want after ${t} ms, checkpoint named, --resume gives identical outputs"
    else
        fail "$name: SIG$sig$( ((twice)) && echo ' twice') at step $at: ${problems#; }"
    fi
    rm -rf "$dir"
}

if ! want 2; then :
elif ((REF_OK)); then
    signal_trial ctrl-c-twice INT 130 1
    signal_trial sigterm TERM 143 0
else
    skip "Ctrl-C and SIGTERM trials (no uninterrupted run to compare with)"
fi

# Ctrl-C while 20000 synthetic faces are being made: a prompt exit 130 and an
# empty run folder.
load_trial()
{
    local dir="$T/loading" problems="" rc t left f
    start loading train dcgan --data synth:20000 --size 32 --ngf 4 --ndf 4 --nz 8 --batch 8 --steps 60 --out "$dir"
    if ! wait_for "$dir/lock" 20000; then
        wait_pid "$PID" 1
        fail "Ctrl-C while loading: the run folder's lock never appeared (exit $RC: $(first_msg "$T/log/loading.err"))"
        return
    fi
    sleep 0.3
    if ! kill -0 "$PID" 2>/dev/null; then
        wait "$PID"
        skip "Ctrl-C while loading: the dataset loaded in under 0.3 s (exit $?)"
        return
    fi
    kill -INT "$PID"
    t=$(now_ms)
    wait_pid "$PID" 10
    rc=$RC
    t=$(($(now_ms) - t))
    if [[ $rc == timeout ]]; then
        problems+="; still running 10 s after Ctrl-C (then killed -9: the run folder below is as it was then)"
    else
        [[ $rc != 130 ]] && problems+="; exit $rc, not 130"
        ((t > 2500)) && problems+="; exited ${t} ms after Ctrl-C (more than 2 s)"
    fi
    left=""
    for f in "$dir"/*; do left+=" ${f#"$dir"/}"; done
    [[ -n $left ]] && problems+="; the run folder holds:$left (want it empty)"
    if [[ -z $problems ]]; then pass "Ctrl-C while loading synth:20000: exit 130 after ${t} ms, the run folder empty"
    else fail "Ctrl-C while loading synth:20000: ${problems#; }"
    fi
    rm -rf "$dir"
}
want 2 && load_trial

# ---- 3. two trainings into one folder -------------------------------------------------

two_runs_trial()
{
    local dir="$T/shared" problems="" a rc owner
    start shared.a "${TINY[@]}" --out "$dir"
    a=$PID
    if ! wait_for "$dir/lock" 20000 "$a"; then
        wait_pid "$a" 60
        fail "two runs in one folder: the first run wrote no lock with its process id (exit $RC)"
        rm -rf "$dir"
        return
    fi
    # the same command, then a --resume, while the first is running
    local second
    for second in same resume; do
        if [[ $second == same ]]; then start "shared.$second" "${TINY[@]}" --out "$dir"
        else start "shared.$second" "${RESUME[@]}" --out "$dir"; fi
        wait_pid "$PID" 20
        rc=$RC
        if [[ $rc != 2 ]]; then
            problems+="; the second run ($second command) exited $rc, not 2 ($(first_msg "$T/log/shared.$second.err"))"
        elif ! has_msg "$T/log/shared.$second.err" lock && ! has_msg "$T/log/shared.$second.err" another; then
            problems+="; the second run's message names no lock or other process: $(first_msg "$T/log/shared.$second.err")"
        fi
        owner=""
        [[ -f $dir/lock ]] && owner=$(< "$dir/lock")
        if kill -0 "$a" 2>/dev/null && [[ $owner != "$a" ]]; then
            problems+="; after the second run ($second) the lock holds '${owner}', not the first run's $a"
        fi
    done
    wait_pid "$a" 120
    if [[ $RC != 0 ]]; then
        problems+="; the first run exited $RC: $(first_msg "$T/log/shared.a.err")"
    else
        local p
        p=$(run_problems "$dir")
        [[ -n $p ]] && problems+="; the first run: $p"
    fi
    if [[ -z $problems ]]; then
        pass "two runs in one folder: the second (same command, then --resume) exits 2 naming the lock; the first completes with identical outputs"
    else
        fail "two runs in one folder: ${problems#; }"
    fi
    rm -rf "$dir"
}

# Both started at the same moment: one runs, the other exits 2.
race_trial()
{
    local dir="$T/race" a b ra rb problems="" winner=""
    start race.a "${TINY[@]}" --out "$dir"
    a=$PID
    start race.b "${TINY[@]}" --out "$dir"
    b=$PID
    wait_pid "$a" 120
    ra=$RC
    wait_pid "$b" 120
    rb=$RC
    if [[ $ra == 0 && $rb == 2 ]]; then winner=a
    elif [[ $ra == 2 && $rb == 0 ]]; then winner=b
    else problems+="; exits $ra and $rb, not 0 and 2 ($(first_msg "$T/log/race.a.err") / $(first_msg "$T/log/race.b.err"))"
    fi
    if [[ -n $winner ]]; then
        local loser=a p
        [[ $winner == a ]] && loser=b
        if ! has_msg "$T/log/race.$loser.err" lock && ! has_msg "$T/log/race.$loser.err" another; then
            problems+="; the loser's message names no lock or other process: $(first_msg "$T/log/race.$loser.err")"
        fi
        p=$(run_problems "$dir")
        [[ -n $p ]] && problems+="; the winner: $p"
    fi
    if [[ -z $problems ]]; then pass "two runs started at once into one folder: one completes with identical outputs, the other exits 2"
    else fail "two runs started at once into one folder: ${problems#; }"
    fi
    rm -rf "$dir"
}

if ! want 3; then :
elif ((REF_OK)); then
    two_runs_trial
    race_trial
else
    skip "two runs in one folder (no uninterrupted run to compare with)"
fi

# ---- 4. a full disk --------------------------------------------------------------------

# Trains into a 2 MB tmpfs of which FILL KB are taken by a filler file: the
# run fills it at a different write each time.
disk_trial()
{
    local mnt=$1 fill=$2 dir="$1/run" problems="" rc f bad="" tl
    rm -rf "${mnt:?}"/*
    if ((fill > 0)) && ! head -c $((fill * 1024)) /dev/zero > "$mnt/filler" 2>/dev/null; then
        skip "full disk, ${fill} KB taken first: the filler does not fit"
        return
    fi
    start "disk$fill" train dcgan --data synth:64 --size 32 --ngf 4 --ndf 4 --nz 8 --batch 8 --steps 400 \
        --sample-every 5 --checkpoint-every 10 --out "$dir"
    wait_pid "$PID" 120
    rc=$RC
    [[ $rc != 1 ]] && problems+="; exit $rc, not 1"
    has_msg "$T/log/disk$fill.err" "" || problems+="; no gan99: message"
    for f in "$dir"/**/*.safetensors; do
        "$BIN" info "$f" > /dev/null 2> "$T/log/info.err" || bad+=" ${f#"$dir"/} ($(first_msg "$T/log/info.err"))"
    done
    [[ -n $bad ]] && problems+="; files that do not load:$bad"
    tl=$(temps_in "$dir")
    [[ -n $tl ]] && problems+="; temporaries left: $tl"
    [[ -e $dir/lock ]] && problems+="; lock file left"
    local ck="no checkpoint"
    [[ -f $dir/checkpoint.safetensors ]] && ck="a checkpoint"
    if [[ -z $problems ]]; then
        pass "full disk (2 MB tmpfs, ${fill} KB taken first): exit 1, '$(first_msg "$T/log/disk$fill.err")', $ck, every .safetensors loads, no temporaries"
    else
        fail "full disk (2 MB tmpfs, ${fill} KB taken first): ${problems#; } ('$(first_msg "$T/log/disk$fill.err")')"
    fi
}

if ! want 4; then :
elif [[ $(id -u) != 0 ]]; then
    skip "full disk (needs root)"
else
    mkdir -p "$T/disk"
    if ! mount -t tmpfs -o size=2m tmpfs "$T/disk" 2> "$T/log/mount.err"; then
        skip "full disk (mount -t tmpfs refused: $(first_msg "$T/log/mount.err"))"
    else
        MOUNTED=$T/disk
        for fill in 0 $((RANDOM % 400 + 300)) $((RANDOM % 400 + 900)) $((RANDOM % 300 + 1600)) 1950; do
            disk_trial "$T/disk" "$fill"
        done
        rm -rf "${T:?}/disk/"*
        umount "$T/disk" && MOUNTED=""
    fi
fi

# ---- 5. every numeric flag, every bad number ----------------------------------------

# A tiny model file for the commands that read one.
MODEL=$T/model.safetensors
if [[ -f $T/ref/model.safetensors ]]; then
    cp "$T/ref/model.safetensors" "$MODEL"
else
    "$BIN" "${TINY[@]}" --steps 2 --out "$T/model-run" > /dev/null 2>&1 && cp "$T/model-run/model.safetensors" "$MODEL"
fi

# Flags that take no number (paths, names, switches).
NOT_NUMERIC=" --out --data --resume --cascade --draw --l2 --help --version --pairs --palette --no-flip --eval "
NOT_NUMERIC+="--no-dropout --pool --netD --norm --gan-mode --loss --filter --align "
# Values that are valid: must be accepted ("must") or may be either ("may").
declare -A VALID=(
    ["train --seed 0"]=must ["train --beta1 0"]=must
    ["sample --seed 0"]=must ["demo --seed 0"]=must
    ["detect --min-neighbors 0"]=must ["detect --min-size 0"]=may ["detect --max-size 0"]=may
    ["filter --threshold 0"]=must ["filter --sigma 0"]=must
    ["filter --low 0"]=may ["filter --high 0"]=may ["filter --low -1"]=may ["filter --high -1"]=may
    ["morph --delay 0"]=may
    ["train --num-downs 0"]=must ["train --depth 0"]=must ["train --dropout 0"]=must
    ["pairs --seed 0"]=must ["train --n-epochs 0"]=may ["train --n-epochs-decay 0"]=may ["train --lambda-L1 0"]=may
)
BAD_VALUES=(0 -1 1e999 inf nan 99999999999999999999 "" 3x)

# The flags a help text lists.
flags_of()
{
    local w out=" "
    for w in $1; do
        w=${w##[[(]}
        w=${w%%[],.;:)]*}
        w=${w%%=*}
        [[ $w =~ ^--[a-z][a-z0-9-]*$ ]] || continue
        [[ $NOT_NUMERIC == *" $w "* || $out == *" $w "* ]] && continue
        out+="$w "
    done
    echo "$out"
}

# The arguments of a command with one flag's value: sets ARGV. The run's
# other arguments are valid and small, so an accepted value ends quickly.
args_for()
{
    local cmd=$1 flag=$2 value=$3 scratch=$4 k
    local -a pre=() post=()
    local -A opts=()
    local order=()
    case $cmd in
        "train dcgan")
            pre=(train dcgan)
            opts=([--data]=synth:64 [--size]=32 [--ngf]=4 [--ndf]=4 [--nz]=8 [--batch]=8 [--steps]=2 [--out]=$scratch/run)
            order=(--data --size --ngf --ndf --nz --batch --steps --out)
            [[ $flag == --epochs ]] && unset 'opts[--steps]' ;;
        "train pix2pix")
            # the smallest pix2pix: 32x32 grey-to-colour pairs made on the fly
            pre=(train pix2pix)
            opts=([--data]=synth:16 [--pairs]=gray [--size]=32 [--ngf]=4 [--ndf]=4 [--batch]=2 [--steps]=2
                  [--out]=$scratch/run)
            order=(--data --pairs --size --ngf --ndf --batch --steps --out)
            [[ $flag == --epochs ]] && unset 'opts[--steps]' ;;
        "train autoencoder")
            pre=(train autoencoder)
            opts=([--data]=synth:16 [--size]=32 [--nf]=4 [--batch]=2 [--steps]=2 [--out]=$scratch/run)
            order=(--data --size --nf --batch --steps --out)
            [[ $flag == --epochs ]] && unset 'opts[--steps]' ;;
        train\ *)
            pre=($cmd)
            opts=([--data]=synth:64 [--batch]=8 [--steps]=2 [--out]=$scratch/run)
            order=(--data --batch --steps --out)
            [[ $flag == --epochs ]] && unset 'opts[--steps]' ;;
        sample) pre=(sample "$MODEL"); opts=([--out]=$scratch/s.png); order=(--out) ;;
        morph)
            pre=(morph "$MODEL")
            opts=([--seeds]=1,2 [--frames]=2 [--scale]=1 [--out]=$scratch/m.gif)
            order=(--seeds --frames --scale --out) ;;
        detect) pre=(detect); post=("$IMG") ;;
        align) pre=(align); opts=([--out]=$scratch/aligned); order=(--out); post=("$IMG") ;;
        average) pre=(average); opts=([--out]=$scratch/a.png); order=(--out); post=("$IMG") ;;
        filter)
            case $flag in
                --threshold) pre=(filter binary) ;;
                --levels) pre=(filter contours) ;;
                --low | --high) pre=(filter canny) ;;
                *) pre=(filter blur) ;;
            esac
            pre+=("$IMG" "$scratch/f.png") ;;
        convert) pre=(convert "$IMG" "$scratch/c.png") ;;
        pairs) pre=(pairs --filter gray); opts=([--size]=64x64 [--out]=$scratch/pairs); order=(--size --out); post=("$IMG") ;;
        info) pre=(info "$MODEL") ;;
        demo) opts=([--out]=$scratch/demo [--steps]=1 [--faces]=32); order=(--out --steps --faces); pre=(demo) ;;
        *) pre=($cmd) ;;
    esac
    ARGV=("${pre[@]}")
    for k in "${order[@]}"; do
        [[ $k == "$flag" || -z ${opts[$k]+x} ]] && continue
        ARGV+=("$k" "${opts[$k]}")
    done
    ARGV+=("$flag" "$value" "${post[@]}")
}

flag_trial()
{
    local cmd=$1 flag=$2 value=$3 key scratch="$T/flags" rc valid what
    key="${cmd%% *} $flag $value"
    valid=${VALID[$key]:-no}
    rm -rf "$scratch"
    mkdir -p "$scratch"
    args_for "$cmd" "$flag" "$value" "$scratch"
    timeout 20 "$BIN" "${ARGV[@]}" > "$T/log/flag.out" 2> "$T/log/flag.err" < /dev/null
    rc=$?
    what="$cmd $flag '$value'"
    if ((rc == 124)); then
        if [[ $valid == no ]]; then fail "$what: accepted, still running after 20 s (should be refused)"
        else pass "$what: accepted (still running after 20 s)"
        fi
    elif ((rc >= 128)); then
        fail "$what: killed by signal $((rc - 128)) (a crash)"
    elif ((rc == 0)); then
        if [[ $valid == no ]]; then fail "$what: accepted (exit 0), but it is no valid value"
        else pass "$what: accepted"
        fi
    elif ((rc == 2)); then
        if [[ $valid == must ]]; then fail "$what: a valid value refused: $(first_msg "$T/log/flag.err")"
        elif names_flag "$T/log/flag.err" "$flag"; then pass "$what: refused, exit 2, the flag named"
        else fail "$what: exit 2, but no 'gan99: ' line names $flag: $(first_msg "$T/log/flag.err")"
        fi
    else
        fail "$what: exit $rc: $(first_msg "$T/log/flag.err")"
    fi
}

COMMANDS=()
NAME_RE='^  ([a-z][a-z0-9-]*)  '
while IFS= read -r line; do
    [[ $line =~ $NAME_RE ]] || continue
    c=${BASH_REMATCH[1]}
    [[ $c == bench ]] && continue   # measures for minutes, and has no numbers to give
    if [[ $c == train ]]; then
        fams=0
        while IFS= read -r fl; do
            if [[ $fl == Trains* ]]; then fams=1; continue; fi
            ((fams)) && [[ $fl =~ $NAME_RE ]] && COMMANDS+=("train ${BASH_REMATCH[1]}")
        done < <("$BIN" train --help 2> /dev/null)
    else
        COMMANDS+=("$c")
    fi
done < <("$BIN" --help 2> /dev/null)

if want 5 && [[ ! -f $MODEL ]]; then
    fail "numeric flags: no tiny model file to give sample, morph and info"
fi
want 5 || COMMANDS=()
for c in "${COMMANDS[@]}"; do
    help=$("$BIN" $c --help 2> /dev/null)
    flags=$(flags_of "$help")
    if [[ -z ${flags// /} ]]; then
        skip "numeric flags of $c: its --help lists none"
        continue
    fi
    for flag in $flags; do
        for v in "${BAD_VALUES[@]}"; do flag_trial "$c" "$flag" "$v"; done
    done
done
rm -rf "$T/flags"

# ---- 6. outputs gan99 cannot write, files where folders belong ----------------------

# The first bytes a file of an extension starts with (hex).
magic_of()
{
    case ${1##*.} in
        jpg | jpeg) echo "ff d8 ff" ;;
        png) echo "89 50 4e 47" ;;
        gif) echo "47 49 46 38" ;;
        bmp) echo "42 4d" ;;
        webp) echo "52 49 46 46" ;;
        *) echo "none" ;;
    esac
}

# out_trial WHAT OUTFILE ARGS...: writes OUTFILE in its extension's format,
# or exits 2 before writing anything.
out_trial()
{
    local what=$1 out=$2 rc magic head
    shift 2
    rm -rf "$T/out"
    mkdir -p "$T/out"
    timeout 60 "$BIN" "$@" > "$T/log/out.out" 2> "$T/log/out.err" < /dev/null
    rc=$?
    magic=$(magic_of "$out")
    if ((rc == 0)); then
        head=""
        [[ -f $out ]] && head=$(head -c 4 "$out" | od -An -tx1 | tr -s ' ' | tr -d '\n')
        head=${head# }
        if [[ ! -f $out ]]; then fail "$what: exit 0 but $out not written"
        elif [[ $magic == none || $head != "$magic"* ]]; then fail "$what: exit 0 but $out is not a .${out##*.} file (its bytes start $head)"
        else pass "$what: writes a real .${out##*.} file"
        fi
    elif ((rc == 2)); then
        local left=""
        for f in "$T/out"/*; do left+=" ${f#"$T/out"/}"; done
        if ! has_msg "$T/log/out.err" ""; then fail "$what: exit 2 without a gan99: message"
        elif [[ -n $left ]]; then fail "$what: exit 2 but wrote:$left"
        else pass "$what: refused before work, exit 2: $(first_msg "$T/log/out.err")"
        fi
    elif ((rc == 124)); then fail "$what: still running after 60 s"
    else fail "$what: exit $rc: $(first_msg "$T/log/out.err")"
    fi
}

out_cases()
{
if [[ -f $MODEL ]]; then
    out_trial "sample --out s.jpg" "$T/out/s.jpg" sample "$MODEL" --n 4 --out "$T/out/s.jpg"
    out_trial "sample --out s.bmp" "$T/out/s.bmp" sample "$MODEL" --n 4 --out "$T/out/s.bmp"
    out_trial "morph --out m.png" "$T/out/m.png" morph "$MODEL" --seeds 1,2 --frames 2 --out "$T/out/m.png"
    out_trial "morph --out m.jpg" "$T/out/m.jpg" morph "$MODEL" --seeds 1,2 --frames 2 --out "$T/out/m.jpg"
fi
out_trial "convert IMG c.jpg" "$T/out/c.jpg" convert "$IMG" "$T/out/c.jpg"
out_trial "filter blur IMG f.jpg" "$T/out/f.jpg" filter blur "$IMG" "$T/out/f.jpg"
out_trial "average --out a.jpg" "$T/out/a.jpg" average --out "$T/out/a.jpg" "$IMG"
out_trial "detect --draw d.jpg" "$T/out/d.jpg" detect --draw "$T/out/d.jpg" "$IMG"

# --out naming a regular file where a folder is expected.
file_trial()
{
    local what=$1 rc f=$T/out/plain
    shift
    rm -rf "$T/out"
    mkdir -p "$T/out"
    echo "not a folder" > "$f"
    cp "$f" "$T/out.copy"
    timeout 60 "$BIN" "$@" > "$T/log/file.out" 2> "$T/log/file.err" < /dev/null
    rc=$?
    if ((rc != 2)); then fail "$what --out FILE: exit $rc, not 2: $(first_msg "$T/log/file.err")"
    elif ! has_msg "$T/log/file.err" file; then fail "$what --out FILE: exit 2 but no message says it is a file: $(first_msg "$T/log/file.err")"
    elif ! cmp -s "$f" "$T/out.copy"; then fail "$what --out FILE: exit 2 but the file was changed"
    else pass "$what --out FILE: exit 2: $(first_msg "$T/log/file.err")"
    fi
    rm -f "$T/out.copy"
}
file_trial "train dcgan" "${TINY[@]}" --out "$T/out/plain"
file_trial "align" align --out "$T/out/plain" "$IMG"
file_trial "demo" demo --steps 1 --faces 32 --out "$T/out/plain"
}
want 6 && out_cases

echo "reliability: $((N_PASS + N_FAIL)) trials, $N_PASS clean, $N_FAIL failures"
((N_FAIL == 0))
