#!/usr/bin/python3
"""The per-tensor choice table of Toonify's layer swapping, for gan/blend.c.

A second, independent implementation of the rule of Justin Pinkney's
blend_models.py (doc/models.md §5.1) in the form it has
there: on TensorFlow StyleGAN2 variable names, matched by prefix, with
positions counted while walking the resolutions and the two levels.
The C code works on PyTorch keys with a formula for the position; this
script works the other way round so the two can disagree:

  1. the state_dict keys of stylegan2-ada-pytorch's G_ema for a model of
     size 64 and of size 128 (c_dim 0, 8 mapping layers; doc/models.md §4.7),
     each with whether it is a trainable parameter or a buffer;
  2. each key's TensorFlow name by the legacy.py correspondence
     (b4.conv1 -> 4x4/Conv, b{r}.conv0 -> {r}x{r}/Conv0_up, affine.weight ->
     mod_weight, noise_const -> noise{i} (not trainable), resample_filter ->
     none: a constant in TensorFlow);
  3. blend_models.py's walk: for each resolution 4, 8, ... and level 0
     (prefixes Conv0_up and Const) then 1 (Conv1 and ToRGB), every
     trainable G_synthesis variable whose name starts with
     G_synthesis/{r}x{r}/{prefix} gets the running position; the mid point
     is the position of (swap resolution, level); y = 1 / (1 + exp(-x / w))
     with x = pos - mid, or with no width 1 if x > 1 else 0; a variable
     the walk never matched (4x4/Conv, the mapping, the buffers) is model
     1's (LOW's).

Writes golden/blend/choices.txt: blocks "case SIZE SWAP_RES WIDTH LEVEL"
followed by one line per key, "KEY KIND Y" (KIND param or buffer; Y the
weight of HIGH as %.17g, or "low" for a tensor copied from LOW), for sizes
64 and 128, swap resolutions 8, 16, 32, widths 0 and 1, level 0, and a
few level-1 cases. Only the standard library is needed.

Run from the repository root:  /usr/bin/python3 golden/tools/blend_golden.py
"""
import math
import os


def ada_keys(size, n_mapping=8):
    """(key, is_param) of G_ema's state_dict, in the order PyTorch lists it."""
    keys = []
    for i in range(n_mapping):
        keys += [(f"mapping.fc{i}.weight", True), (f"mapping.fc{i}.bias", True)]
    keys.append(("mapping.w_avg", False))
    r = 4
    while r <= size:
        b = f"synthesis.b{r}"
        if r == 4:
            keys.append((f"{b}.const", True))
        layers = ["conv1"] if r == 4 else ["conv0", "conv1"]
        keys.append((f"{b}.resample_filter", False))
        for layer in layers:
            keys += [(f"{b}.{layer}.weight", True), (f"{b}.{layer}.noise_strength", True),
                     (f"{b}.{layer}.bias", True), (f"{b}.{layer}.resample_filter", False),
                     (f"{b}.{layer}.noise_const", False), (f"{b}.{layer}.affine.weight", True),
                     (f"{b}.{layer}.affine.bias", True)]
        keys += [(f"{b}.torgb.weight", True), (f"{b}.torgb.bias", True),
                 (f"{b}.torgb.affine.weight", True), (f"{b}.torgb.affine.bias", True)]
        r *= 2
    return keys


def tf_name(key):
    """The TensorFlow variable of a PyTorch key, or None (a constant there)."""
    parts = key.split(".")
    if parts[0] == "mapping":
        if parts[1] == "w_avg":
            return "G/dlatent_avg"
        return f"G_mapping/Dense{parts[1][2:]}/{parts[2]}"
    r = int(parts[1][1:])
    res = f"G_synthesis/{r}x{r}"
    if parts[2] == "const":
        return f"{res}/Const/const"
    if parts[2] == "resample_filter" or parts[-1] == "resample_filter":
        return None
    layer = {"conv0": "Conv0_up", "conv1": "Conv1" if r > 4 else "Conv", "torgb": "ToRGB"}[parts[2]]
    if parts[-1] == "noise_const":
        k = int(math.log2(r))
        index = 0 if r == 4 else (2 * k - 5 if parts[2] == "conv0" else 2 * k - 4)
        return f"G_synthesis/noise{index}"
    leaf = {"weight": "weight", "bias": "bias", "noise_strength": "noise_strength"}
    if parts[3] == "affine":
        return f"{res}/{layer}/mod_{parts[4]}"
    return f"{res}/{layer}/{leaf[parts[3]]}"


def blend_weights(trainables, size, swap_res, level, width):
    """blend_models.py's walk over resolutions and levels: {tf name: y}."""
    resolutions = [4 * 2 ** i for i in range(int(math.log2(size)) - 1)]
    levels = [["Conv0_up", "Const"], ["Conv1", "ToRGB"]]
    position, found, mid = 0, {}, None
    for res in resolutions:
        for lev, prefixes in enumerate(levels):
            for name in trainables:
                if any(name.startswith(f"G_synthesis/{res}x{res}/{p}") for p in prefixes):
                    found[name] = position
            if res == swap_res and lev == level:
                mid = position
            position += 1
    ys = {}
    for name, pos in found.items():
        x = pos - mid
        if width:
            ys[name] = 1.0 / (1.0 + math.exp(-x / width))
        else:
            ys[name] = 1.0 if x > 1 else 0.0
    return ys


def main():
    cases = [(size, r, w, 0) for size in (64, 128) for r in (8, 16, 32) for w in (0, 1)]
    cases += [(64, 4, 0, 0), (64, 64, 1, 0), (64, 16, 0, 1), (64, 16, 1, 1), (64, 8, 2.5, 0)]
    os.makedirs("golden/blend", exist_ok=True)
    with open("golden/blend/choices.txt", "w") as out:
        out.write("# golden/tools/blend_golden.py: blend_models.py's rule per G_ema key\n")
        for size, swap_res, width, level in cases:
            keys = ada_keys(size)
            names = {k: tf_name(k) for k, _ in keys}
            trainables = [names[k] for k, p in keys if p and names[k] and names[k].startswith("G_synthesis/")]
            ys = blend_weights(trainables, size, swap_res, level, width)
            out.write(f"case {size} {swap_res} {width:g} {level}\n")
            for key, is_param in keys:
                name = names[key]
                y = ys.get(name) if is_param and name else None
                out.write(f"{key} {'param' if is_param else 'buffer'} {'low' if y is None else '%.17g' % y}\n")
    print("wrote golden/blend/choices.txt:", len(cases), "cases")


if __name__ == "__main__":
    main()
