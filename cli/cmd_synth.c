/* gan99 synth: the synthetic faces training draws (synth:N[:SEED] and
 * synth-toon:N[:SEED]) written out as files, so the other commands can be
 * tried on them: DIR/photos/face_NNNNN.png and DIR/maps/face_NNNNN.png, the
 * map an 8-bit palette PNG of the face's parts (gan_label_png_save). The
 * pair of folders is label-map data as it is (--data DIR/maps,DIR/photos),
 * the maps are what gan99 paint takes and what gan99 parse --truth scores
 * against. Face i of a seed is the same face training's synth:N:SEED item i
 * is, at any N. */
#include "cli.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: gan99 synth --out DIR [--count N] [--seed S] [--size N] [--toon]\n"
    "\n"
    "Writes synthetic faces, the ones gan99 train draws for --data synth:N:S,\n"
    "with their part maps: DIR/photos/face_00000.png ... and DIR/maps/face_00000.png\n"
    "..., the maps 8-bit palette PNGs (pixel value = class: 0 background, 1 skin,\n"
    "2 hair, 3 eyes, 4 brows, 5 nose, 6 mouth; the palette the colours gan99\n"
    "draws them in). DIR/maps,DIR/photos is label-map data for gan99 train\n"
    "spade and parser; the maps feed gan99 paint and gan99 parse --truth.\n"
    "Training holds out synth:N:S's faces as synth:100:S+1000: --seed 1001 gives\n"
    "the held-out faces of a run on synth:N:1.\n"
    "\n"
    "options:\n"
    "  --out DIR    the output folder (made when missing)\n"
    "  --count N    faces, 1..100000 (default 16)\n"
    "  --seed S     the faces' seed (default 0)\n"
    "  --size N     width and height, 8..1024 (default 64)\n"
    "  --toon       the cartoon style (synth-toon:N:S) instead of the photo style\n";

extern const cli_command cli_cmd_synth;

/* DIR/sub/face_NNNNN.png into path. */
static void name_of(char *path, const char *dir, const char *sub, int i)
{
    sprintf(path, "%s/%s/face_%05d.png", dir, sub, i);
}

static int synth_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_synth;
    const char *out_dir = NULL, *s;
    char *path;
    int count = 16, size = 64, i;
    uint64_t seed = 0;
    int toon = 0, r, status = CLI_OK;
    g99_error err;
    for (i = 1; i < argc; i++) {
        int k = i;
        if ((r = cli_opt_str(cmd, argc, argv, &k, "--out", &s)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            out_dir = s;
        } else if ((r = cli_opt_int(cmd, argc, argv, &k, "--count", 1, 100000, &count)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
        } else if ((r = cli_opt_int(cmd, argc, argv, &k, "--size", 8, 1024, &size)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
        } else if ((r = cli_opt_u64(cmd, argc, argv, &k, "--seed", 0, UINT64_MAX, &seed)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
        } else if (strcmp(argv[k], "--toon") == 0) {
            toon = 1;
        } else {
            return cli_usage_error(cmd, "unknown argument '%s'", argv[k]);
        }
        i = k;
    }
    if (!out_dir) return cli_usage_error(cmd, "needs --out DIR");
    if (cli_check_output_dir(cmd, "--out", out_dir)) return CLI_BAD_INPUT;
    path = (char *)malloc(strlen(out_dir) + 64);
    if (!path) {
        cli_error("synth", "out of memory");
        return CLI_FAILED;
    }
    g99_error_clear(&err);
    sprintf(path, "%s/photos", out_dir);
    r = g99_mkdir(out_dir, &err);
    if (!r) r = g99_mkdir(path, &err);
    sprintf(path, "%s/maps", out_dir);
    if (!r) r = g99_mkdir(path, &err);
    for (i = 0; !r && i < count; i++) {
        gan_face f;
        memset(&f, 0, sizeof f);
        r = gan_synthface_render_style(seed, (uint64_t)i, size, toon ? GAN_FACE_TOON : GAN_FACE_PHOTO, &f, &err);
        if (r) break;
        name_of(path, out_dir, "photos", i);
        r = img_png_save(path, &f.rgb, &err);
        name_of(path, out_dir, "maps", i);
        if (!r) r = gan_label_png_save(path, f.labels, size, size, GAN_PART_COUNT, &err);
        gan_face_free(&f);
    }
    free(path);
    if (r) status = cli_fail(&err);
    else
        printf("wrote %d %s faces of %dx%d (seed %llu) with their part maps: %s/photos, %s/maps\n", count,
               toon ? "toon" : "photo", size, size, (unsigned long long)seed, out_dir, out_dir);
    return status;
}

const cli_command cli_cmd_synth = {
    "synth",
    "write the synthetic faces training draws, with their part maps",
    usage,
    synth_run,
};
