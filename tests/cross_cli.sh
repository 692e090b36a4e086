#!/bin/sh
# The same gan99 commands run by the native binary and by a cross-built one
# (under its emulator, through the wrapper that `make cross-test` writes),
# then every output file and every stdout compared by SHA-256: a platform
# must give the same bytes, not just similar pictures.
#
#   tests/cross_cli.sh NATIVE_GAN99 CROSS_GAN99 WORKDIR
#
# Run from the repository root (the inputs and the vendored cascades are
# found there). Both sides write into WORKDIR/out, one after the other, so
# that paths printed on stdout are the same; the results are kept in
# WORKDIR/native and WORKDIR/cross. Prints one line per file and exits 1
# when any differ.
set -u
native=$1
cross=$2
work=$3

run_side() {   # run_side GAN99 SIDE
    g=$1
    out=$work/out
    rm -rf "$out" "$work/$2"
    mkdir -p "$out"
    "$g" detect data/astronaut.jpg > "$out/detect.txt" 2>/dev/null || echo "$2: detect failed" >&2
    "$g" detect --draw "$out/detect.png" data/astronaut.jpg > "$out/detect_draw.txt" 2>/dev/null ||
        echo "$2: detect --draw failed" >&2
    "$g" convert data/astronaut.jpg "$out/astronaut.png" 2>/dev/null || echo "$2: convert png failed" >&2
    "$g" convert data/astronaut.jpg "$out/astronaut.ppm" 2>/dev/null || echo "$2: convert ppm failed" >&2
    "$g" convert "$out/astronaut.png" "$out/astronaut.gif" 2>/dev/null || echo "$2: convert gif failed" >&2
    "$g" align --size 64x64 --out "$out/aligned" data/astronaut.jpg > "$out/align.txt" 2>/dev/null ||
        echo "$2: align failed" >&2
    "$g" train dcgan --data synth:16 --size 32 --steps 3 --batch 4 --ngf 8 --ndf 8 --out "$out/run" \
        > /dev/null 2>&1 || echo "$2: train failed" >&2   # (its stdout has speeds: not compared)
    "$g" sample "$out/run/model.safetensors" --seed 7 --n 4 --out "$out/sample.png" > "$out/sample.txt" 2>/dev/null ||
        echo "$2: sample failed" >&2
    "$g" sample "$out/run/model.safetensors" --seed 7 --n 1 --crc > "$out/sample_crc.txt" 2>/dev/null ||
        echo "$2: sample --crc failed" >&2
    # export-c's arena size depends on the host's pointer width (doc/portability.md §1), so the
    # file is compared without the lines that hold it: the weights and the tables must match
    "$g" export-c "$out/run/model.safetensors" --out "$out/model.c" > /dev/null 2>&1 ||
        echo "$2: export-c failed" >&2
    grep -v -i arena "$out/model.c" > "$out/model_weights.c" 2>/dev/null
    rm -f "$out/model.c"
    mv "$out" "$work/$2"
}

sums() {   # sums DIR: "sha256  relative/path" for every file, sorted
    (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum)
}

run_side "$native" native
run_side "$cross" cross
sums "$work/native" > "$work/native.sha256"
sums "$work/cross" > "$work/cross.sha256"
n=$(wc -l < "$work/native.sha256")
if [ "$n" -lt 21 ]; then
    echo "cross_cli: only $n output files on the native side (a command failed)"
    exit 1
fi
if cmp -s "$work/native.sha256" "$work/cross.sha256"; then
    echo "cross_cli: $n output files identical (sha256) to the native ones: detect, convert, align, train, sample, export-c"
    exit 0
fi
echo "cross_cli: outputs differ from the native ones:"
diff "$work/native.sha256" "$work/cross.sha256"
exit 1
