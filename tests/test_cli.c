/* The gan99 command line, run as a user runs it: the built binary (the
 * runner's --gan99 PATH, which `make test` passes) through system() with
 * stdout and stderr in files under the test folder. Checked: exit codes
 * (0 done, 1 failed while working, 2 bad input, found before any work),
 * the "gan99: WHAT: reason" first line of stderr, --help of every command,
 * every numeric flag refusing bad numbers by name, outputs written in the
 * format their name says (or refused up front), and that a failed command
 * leaves no output and no temporary file behind.
 *
 * Expected texts are written by hand from the rules above; the smallest
 * working --scale-factor is derived in pyramid_is_bounded's comment. The
 * GIF cases compare the streaming writer with files written by
 * img_gif_write before the writer existed (tests/cli/gif_*.gif).
 *
 * The shell runs each command as `PROG ARGS >out 2>err; echo $? >code`,
 * so the exit code is read the same way on every POSIX system. */
#include "test.h"
#include "cli_run.h"
#include "../image/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char model_path[1024];
static int model_state;  /* 0 not made yet, 1 made, -1 failed */

static int starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* No file of the test folder starts with "<name>.tmp" (g99_afile's names). */
static int no_temporaries(const char *name)
{
    char **paths, prefix[1100];
    size_t n, i;
    int clean = 1;
    snprintf(prefix, sizeof prefix, "%s/%s.tmp", test_tmp_dir(), name);
    if (g99_list_files(test_tmp_dir(), &paths, &n, NULL)) return 0;
    for (i = 0; i < n; i++)
        if (strncmp(paths[i], prefix, strlen(prefix)) == 0) clean = 0;
    g99_free_list(paths, n);
    return clean;
}

/* A small DCGAN model file, trained once per run (1 step: the weights
 * do not matter, the file format and G's shapes do). */
static const char *model(void)
{
    if (model_state == 0) {
        char run[900];
        snprintf(run, sizeof run, "%s/cli_run", test_tmp_dir());
        snprintf(model_path, sizeof model_path, "%s/model.safetensors", run);
        cli_run_remove_tree(run);
        model_state = cli_run("train dcgan --data synth:16 --size 64 --steps 1 --batch 4 --ngf 16 --ndf 4 "
                            "--samples 4 --out %s", run) == 0 && cli_run_exists(model_path) ? 1 : -1;
    }
    CHECK_EQ_INT(1, model_state);
    return model_path;
}

static const char *tmp(const char *name)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", test_tmp_dir(), name);
    return buf[k];
}

#define SKIP_WITHOUT_BINARY()                                                                      \
    do {                                                                                           \
        if (cli_run_binary_missing()) {                                                                    \
            if (test_gan99_given()) CHECK(!"the --gan99 binary is missing");                      \
            else fprintf(stderr, "  (cli: no %s; `make test` builds it)\n", test_gan99_path());   \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* ---- every command ---- */

static void help_of_every_command(void)
{
    static const char *const cmds[] = { "demo", "train", "sample", "morph", "info", "bench",
                                        "filter", "convert", "detect", "align", "average", "pairs", "translate" };
    size_t i;
    SKIP_WITHOUT_BINARY();
    for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        CHECK_EQ_INT(0, cli_run("%s --help", cmds[i]));
        CHECK_CONTAINS("usage:", cli_run_out);
        CHECK_EQ_INT(0, cli_run("help %s", cmds[i]));
        CHECK_CONTAINS("usage:", cli_run_out);
    }
    CHECK_EQ_INT(0, cli_run("train dcgan --help"));   /* a family's help is made from its option table */
    CHECK_CONTAINS("--ngf N", cli_run_out);
    CHECK_EQ_INT(0, cli_run("help train"));
    CHECK_CONTAINS("dcgan", cli_run_out);
    CHECK_EQ_INT(0, cli_run("--help"));
    CHECK_EQ_INT(2, cli_run("nosuchcommand"));
    CHECK_EQ_STR("gan99: nosuchcommand: no such command (see 'gan99 --help')", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("train nosuchfamily --out %s", tmp("cli_train_out")));
    CHECK(starts(cli_run_first_line, "gan99: "));
    CHECK(!cli_run_exists(tmp("cli_train_out")));
}

static void unknown_options_are_named(void)
{
    static const char *const cmds[] = { "sample M --out x.png", "morph M --seeds 1,2 --out x.gif", "info M",
                                        "filter gray a.png b.png", "convert a.png b.png", "detect a.png",
                                        "align --out d a.png", "average --out x.png a.png" };
    size_t i;
    SKIP_WITHOUT_BINARY();
    for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char name[16], expect[64];
        sscanf(cmds[i], "%15s", name);
        snprintf(expect, sizeof expect, "gan99: %s: unknown option", name);
        CHECK_EQ_INT(2, cli_run("%s --bogus", cmds[i]));
        CHECK_CONTAINS(expect, cli_run_first_line);
        CHECK_CONTAINS("--bogus", cli_run_first_line);
    }
    CHECK_EQ_INT(2, cli_run("info --bogus"));
    CHECK_EQ_STR("gan99: info: unknown option --bogus", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("convert --bogus a.png b.png"));
    CHECK_EQ_STR("gan99: convert: unknown option --bogus", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("sample M --n"));
    CHECK_EQ_STR("gan99: sample: --n needs a value", cli_run_first_line);
}

/* ---- numbers ---- */

typedef struct bad_number {
    const char *cmd;     /* the command line before the flag */
    const char *flag;
    const char *values;  /* '|'-separated bad values */
} bad_number;

static void numeric_flags_refuse_bad_numbers(void)
{
    static const bad_number cases[] = {
        { "sample M --out x.png", "--n", "0|-1|1025|1e999|inf|nan|99999999999999999999||3x|1.5" },
        { "sample M --out x.png", "--seed", "-1|1e999|inf|nan|99999999999999999999||3x|0x10" },
        { "sample M --out x.png", "--scale", "0|-1|17|inf|99999999999999999999||3x" },
        { "morph M --seeds 1,2 --out x.gif", "--frames", "0|-1|1|1001|inf|nan|99999999999999999999||3x" },
        { "morph M --seeds 1,2 --out x.gif", "--scale", "0|17|nan||3x" },
        { "morph M --seeds 1,2 --out x.gif", "--delay", "0|-1|1001||3x" },
        { "morph M --out x.gif", "--seeds", "1|1,|,1|1,-1|1,3x|1,99999999999999999999|1,inf||1,,2" },
        { "filter blur a.png b.png", "--ksize", "-1|32|1e999|inf|nan|99999999999999999999||3x|4" },
        { "filter blur a.png b.png", "--sigma", "-1|1e999|inf|nan|-inf||3x|100" },
        { "filter binary a.png b.png", "--threshold", "-1|256|nan||3x" },
        { "filter canny a.png b.png", "--low", "-1|1e999|inf|nan||3x" },
        { "filter contours a.png b.png", "--levels", "0|256|1,3x|1,,2||nan" },
        { "detect a.png", "--scale-factor", "0|-1|1|1e999|inf|nan|101||3x" },
        { "detect a.png", "--min-neighbors", "-1|1e999|inf|99999999999999999999||3x" },
        { "detect a.png", "--min-size", "3x|x3|-1x5|3x5x7||99999999999999999999x1" },
        { "align --out d a.png", "--size", "0x5|5x0|3x|inf|99999999999999999999x1|" },
        { "align --out d a.png", "--eyes", "1,2,3|1,2,3,4,5|inf,0,1,1|nan,0,1,1|1e999,0,1,1|0.5,0.5,0.5,0.5|" },
    };
    size_t i;
    SKIP_WITHOUT_BINARY();
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *v = cases[i].values;
        char name[16], expect[64];
        sscanf(cases[i].cmd, "%15s", name);
        snprintf(expect, sizeof expect, "gan99: %s: %s", name, cases[i].flag);
        for (;;) {
            char value[64];
            size_t n = strcspn(v, "|");
            memcpy(value, v, n);
            value[n] = '\0';
            if (!CHECK_EQ_INT(2, cli_run("%s %s '%s'", cases[i].cmd, cases[i].flag, value)) ||
                !CHECK(starts(cli_run_first_line, expect)))
                fprintf(stderr, "    with %s %s '%s': %s\n", cases[i].cmd, cases[i].flag, value, cli_run_first_line);
            if (!v[n]) break;
            v += n + 1;
        }
    }
    /* The wording, once in full. */
    CHECK_EQ_INT(2, cli_run("sample M --seed 99999999999999999999 --out x.png"));
    CHECK_EQ_STR("gan99: sample: --seed: 99999999999999999999 is out of range (0..18446744073709551615)", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("sample M --n 3x --out x.png"));
    CHECK_EQ_STR("gan99: sample: --n: '3x' is not an integer", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("sample M --n '' --out x.png"));
    CHECK_EQ_STR("gan99: sample: --n: an empty value is not an integer", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("filter blur a.png b.png --sigma inf"));
    CHECK_EQ_STR("gan99: filter: --sigma: 'inf' is not a finite number", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("filter blur a.png b.png --sigma 1e999"));
    CHECK_EQ_STR("gan99: filter: --sigma: 1e999 is out of range (0..99)", cli_run_first_line);
}

static void numbers_in_range_are_taken(void)
{
    const char *m;
    SKIP_WITHOUT_BINARY();
    m = model();
    /* The largest seed and the extremes of --n and --scale. */
    CHECK_EQ_INT(0, cli_run("sample %s --seed 18446744073709551615 --n 1 --scale 1 --out %s", m, tmp("cli_s1.png")));
    CHECK_EQ_STR("", cli_run_err);
    CHECK_EQ_INT(0, cli_run("filter blur data/astronaut.jpg %s --ksize 0 --sigma 1.5", tmp("cli_blur.pgm")));
    CHECK_EQ_INT(0, cli_run("filter contours data/astronaut.jpg %s --levels 1,128,255", tmp("cli_cont.png")));
}

/* ---- outputs ---- */

static int starts_with(const char *path, const char *magic, size_t n)
{
    char buf[16] = { 0 };
    FILE *f = fopen(path, "rb");
    size_t got;
    if (!f) return 0;
    got = fread(buf, 1, n, f);
    fclose(f);
    return got == n && memcmp(buf, magic, n) == 0;
}

static void outputs_are_in_the_format_named(void)
{
    const char *m;
    SKIP_WITHOUT_BINARY();
    m = model();
    remove(tmp("cli_s.jpg"));
    CHECK_EQ_INT(2, cli_run("sample %s --out %s", m, tmp("cli_s.jpg")));
    CHECK_CONTAINS("gan99: sample: --out", cli_run_first_line);
    CHECK_CONTAINS(".png", cli_run_first_line);
    CHECK(!cli_run_exists(tmp("cli_s.jpg")));
    CHECK_EQ_INT(0, cli_run("sample %s --n 4 --out %s", m, tmp("cli_s.ppm")));
    CHECK(starts_with(tmp("cli_s.ppm"), "P6\n", 3));
    CHECK_EQ_INT(0, cli_run("sample %s --n 4 --out %s", m, tmp("cli_s.png")));
    CHECK(starts_with(tmp("cli_s.png"), "\x89PNG\r\n\x1a\n", 8));
    CHECK_EQ_INT(0, cli_run("sample %s --n 4 --out %s", m, tmp("cli_s.gif")));
    CHECK(starts_with(tmp("cli_s.gif"), "GIF89a", 6));
    /* morph writes an animation: GIF only. */
    remove(tmp("cli_m.png"));
    CHECK_EQ_INT(2, cli_run("morph %s --seeds 1,2 --out %s", m, tmp("cli_m.png")));
    CHECK_CONTAINS("gan99: morph: --out", cli_run_first_line);
    CHECK_CONTAINS(".gif", cli_run_first_line);
    CHECK(!cli_run_exists(tmp("cli_m.png")));
    /* A folder, a missing folder, and the check before the input is read. */
    CHECK_EQ_INT(2, cli_run("sample %s --out %s", m, test_tmp_dir()));
    CHECK_CONTAINS("is a folder, not a file", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("convert data/astronaut.jpg %s", tmp("no_such_folder/x.png")));
    CHECK_CONTAINS("there is no folder", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("sample /no/such/model.safetensors --out %s", tmp("cli_s.jpg")));
    CHECK_CONTAINS("--out", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("filter gray /no/such/photo.png %s", tmp("cli_f.jpg")));
    CHECK_CONTAINS("cli_f.jpg", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("average --out %s /no/such/photo.png", tmp("cli_a.jpg")));
    CHECK_CONTAINS("--out", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("convert /no/such/photo.png %s", tmp("cli_c.jpg")));
    CHECK_CONTAINS("cli_c.jpg", cli_run_first_line);
    /* The formats convert and filter write, by name. */
    CHECK_EQ_INT(0, cli_run("filter gray data/astronaut.jpg %s", tmp("cli_g.pgm")));
    CHECK(starts_with(tmp("cli_g.pgm"), "P5\n", 3));
    CHECK_EQ_INT(0, cli_run("convert data/astronaut.jpg %s", tmp("cli_c.gif")));
    CHECK(starts_with(tmp("cli_c.gif"), "GIF89a", 6));
    CHECK_EQ_INT(0, cli_run("average --out %s data/astronaut.jpg", tmp("cli_avg.ppm")));
    CHECK(starts_with(tmp("cli_avg.ppm"), "P6\n", 3));
}

static void failed_commands_leave_no_file(void)
{
    FILE *f;
    const char *m;
    SKIP_WITHOUT_BINARY();
    m = model();
    /* An empty model file and an empty image: bad input, named "empty". */
    f = fopen(tmp("cli_empty.png"), "wb");
    if (f) fclose(f);
    remove(tmp("cli_e.png"));
    CHECK_EQ_INT(2, cli_run("convert %s %s", tmp("cli_empty.png"), tmp("cli_e.png")));
    CHECK_CONTAINS("empty", cli_run_first_line);
    CHECK(starts(cli_run_first_line, "gan99: "));
    CHECK(!cli_run_exists(tmp("cli_e.png")));
    CHECK(no_temporaries("cli_e.png"));
    CHECK_EQ_INT(2, cli_run("sample %s --out %s", tmp("cli_empty.png"), tmp("cli_e.png")));
    CHECK(!cli_run_exists(tmp("cli_e.png")));
    CHECK(no_temporaries("cli_e.png"));
    CHECK_EQ_INT(2, cli_run("info %s", tmp("cli_empty.png")));
    CHECK(starts(cli_run_first_line, "gan99: "));
    /* A missing input is bad input (2), not a failure while working. */
    cli_run_remove_tree(tmp("cli_e_dir"));
    CHECK_EQ_INT(2, cli_run("sample /no/such/model.safetensors --out %s", tmp("cli_e.png")));
    CHECK_EQ_STR("gan99: sample: /no/such/model.safetensors: No such file or directory", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("info /no/such/model.safetensors"));
    CHECK_EQ_INT(2, cli_run("convert /no/such/photo.png %s", tmp("cli_e.png")));
    CHECK_EQ_INT(2, cli_run("filter gray /no/such/photo.png %s", tmp("cli_e.png")));
    CHECK_EQ_INT(2, cli_run("detect /no/such/photo.png"));
    CHECK_EQ_INT(2, cli_run("average --out %s /no/such/photo.png", tmp("cli_e.png")));
    CHECK_EQ_INT(2, cli_run("align --out %s /no/such/photo.png", tmp("cli_e_dir")));
    CHECK_EQ_INT(2, cli_run("info %s", test_tmp_dir()));
    CHECK_CONTAINS("is a folder, not a file", cli_run_first_line);
    CHECK(!cli_run_exists(tmp("cli_e.png")));
    CHECK(!cli_run_exists(tmp("cli_e_dir")));
    /* morph refused for its size: before G runs, no file. */
    remove(tmp("cli_big.gif"));
    CHECK_EQ_INT(2, cli_run("morph %s --seeds 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,"
                          "28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,"
                          "58,59,60,61,62,63,64 --frames 1000 --scale 1 --out %s", m, tmp("cli_big.gif")));
    CHECK_CONTAINS("gan99: morph: --seeds (64 seeds) and --frames 1000 make 63000 frames of 64x64", cli_run_first_line);
    CHECK_CONTAINS("GiB", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("morph %s --seeds 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,"
                          "28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,"
                          "58,59,60,61,62,63,64 --frames 1000 --scale 16 --out %s", m, tmp("cli_big.gif")));
    /* 63000 frames of (64*16)^2 = 1048576 pixels: 66.06 Gpixels. */
    CHECK_CONTAINS("make 63000 frames of 1024x1024, 66.06 Gpixels", cli_run_first_line);
    CHECK(!cli_run_exists(tmp("cli_big.gif")));
    CHECK(no_temporaries("cli_big.gif"));
    /* A write the OS refuses is a failure while working: exit 1. /proc/self
     * is a folder no file can be made in (Linux; skipped elsewhere). */
    if (g99_is_dir("/proc/self")) {
        CHECK_EQ_INT(1, cli_run("convert data/astronaut.jpg /proc/self/cli_x.png"));
        CHECK(starts(cli_run_first_line, "gan99: /proc/self/cli_x.png: "));
    }
}

static void morph_streams_every_frame(void)
{
    const char *m;
    uint8_t *data = NULL;
    size_t n = 0, i;
    int controls = 0;
    SKIP_WITHOUT_BINARY();
    m = model();
    /* 3 seeds, 2 frames a leg: 4 frames of 64x64. */
    CHECK_EQ_INT(0, cli_run("morph %s --seeds 1,2,3 --frames 2 --scale 1 --delay 5 --out %s", m, tmp("cli_m.gif")));
    CHECK_EQ_STR("", cli_run_err);
    if (!CHECK_EQ_INT(0, g99_read_file(tmp("cli_m.gif"), 1 << 24, &data, &n, NULL))) return;
    CHECK(n > 13 && memcmp(data, "GIF89a\x40\x00\x40\x00", 10) == 0);
    /* Graphic control extensions: 21 F9 04, flags 04, delay 5 (LE), 00 00. */
    for (i = 0; i + 8 <= n; i++)
        if (memcmp(data + i, "\x21\xF9\x04\x04\x05\x00\x00\x00", 8) == 0) controls++;
    CHECK_EQ_INT(4, controls);
    CHECK_EQ_INT(0x3B, data[n - 1]);
    free(data);
}

/* ---- messages ---- */

static void messages_name_the_problem(void)
{
    SKIP_WITHOUT_BINARY();
    cli_run_remove_tree(tmp("cli_noface"));
    cli_run_remove_tree(tmp("cli_aligned"));
    CHECK_EQ_INT(2, cli_run("align --out %s tests/cli/flat.pgm", tmp("cli_noface")));
    CHECK_CONTAINS("gan99: align: no face found in tests/cli/flat.pgm", cli_run_err);
    CHECK(!cli_run_exists(tmp("cli_noface")));
    /* Progress in a log (stderr is a file here): plain lines with the rate. */
    CHECK_EQ_INT(0, cli_run("align --size 32x32 --out %s data/astronaut.jpg", tmp("cli_aligned")));
    CHECK_CONTAINS("align: 1/1  ", cli_run_err);
    CHECK_CONTAINS(" photos/s  ETA 0m00s\n", cli_run_err);
    CHECK(!strchr(cli_run_err, '\r'));
    CHECK_CONTAINS("aligned on the eyes:     1", cli_run_out);
    CHECK_EQ_INT(2, cli_run("align --out README.md data/astronaut.jpg"));
    CHECK_CONTAINS("gan99: align: --out README.md: is a file, not a folder", cli_run_first_line);
    CHECK_EQ_STR("", cli_run_out);
    /* --draw to a format gan99 cannot write: refused before detecting
     * (nothing on stdout). */
    remove(tmp("cli_d.jpg"));
    CHECK_EQ_INT(2, cli_run("detect --draw %s data/astronaut.jpg", tmp("cli_d.jpg")));
    CHECK_CONTAINS("gan99: detect: --draw", cli_run_first_line);
    CHECK_EQ_STR("", cli_run_out);
    CHECK(!cli_run_exists(tmp("cli_d.jpg")));
    CHECK_EQ_INT(2, cli_run("filter nosuch data/astronaut.jpg %s", tmp("cli_n.png")));
    CHECK_CONTAINS("gan99: filter: no filter 'nosuch'", cli_run_first_line);
}

/* The pyramid of a 48x48 image and OpenCV's 24x24 frontal-face window has
 * levels k = 0, 1, ... while lrint(24 f^k) <= 48, i.e. 24 f^k <= 48.5. At
 * most 4096 levels (k <= 4095) needs f^4096 > 48.5/24, f > exp(ln(2.0208333)
 * / 4096) = exp(1.717541e-4) = 1.00017177, so 1.000172 is the smallest
 * factor in steps of 1e-6 (1.000171: ln = 1.709854e-4, times 4096 = 0.70036,
 * below ln 2.0208333 = 0.70350: level 4096 still fits). */
static void pyramid_is_bounded(void)
{
    SKIP_WITHOUT_BINARY();
    CHECK_EQ_INT(2, cli_run("detect --scale-factor 1.0000001 tests/cli/flat.pgm"));
    CHECK(starts(cli_run_first_line, "gan99: tests/cli/flat.pgm: haar detection: scale factor 1.0000001 "));
    CHECK_CONTAINS("the smallest factor within the limit is 1.000172", cli_run_first_line);
    CHECK_EQ_INT(0, cli_run("detect --scale-factor 1.000172 tests/cli/flat.pgm"));
    CHECK_EQ_INT(2, cli_run("detect --scale-factor 1.000171 tests/cli/flat.pgm"));
    CHECK_CONTAINS("1.000172", cli_run_first_line);
}

/* ---- the streaming GIF writer (library) ---- */

/* The frames tests/cli/gif_*.gif were written from (the same formula made
 * them with img_gif_write before the streaming writer existed). */
static int gif_frame(img_image *im, int f, int channels, int colors)
{
    int x, y, c;
    if (img_new(im, 23, 13, channels, 8, NULL)) return -1;
    for (y = 0; y < 13; y++)
        for (x = 0; x < 23; x++) {
            uint8_t *p = im->data + ((size_t)y * 23 + x) * channels;
            int v[3];
            v[0] = (x * 37 + f * 11) & 255;
            v[1] = (y * 53 + x * f * 7) & 255;
            v[2] = (x * y + f * 29) & 255;
            for (c = 0; c < channels && c < 3; c++) p[c] = (uint8_t)(colors ? (v[c] % colors) * 40 : v[c]);
        }
    return 0;
}

static void gif_stream_case(const char *fixture, const img_gif_params *p, int channels, int colors)
{
    img_image fr[6];
    img_gif_writer *w = NULL;
    uint8_t *want = NULL, *got = NULL, *mem = NULL;
    size_t nwant = 0, ngot = 0, nmem = 0;
    const char *path = tmp("cli_stream.gif");
    int i, rc;
    for (i = 0; i < 6; i++)
        if (gif_frame(&fr[i], i, channels, colors)) return;
    rc = img_gif_writer_open(&w, path, 23, 13, p, NULL);
    for (i = 0; !rc && p->palette == IMG_GIF_PALETTE_GLOBAL && i < 6; i++) rc = img_gif_writer_scan(w, &fr[i], NULL);
    for (i = 0; !rc && i < 6; i++) rc = img_gif_writer_add(w, &fr[i], NULL);
    if (!rc) rc = img_gif_writer_close(w, NULL);
    else img_gif_writer_abort(w);
    CHECK_EQ_INT(0, rc);
    if (CHECK_EQ_INT(0, g99_read_file(fixture, 1 << 20, &want, &nwant, NULL)) &&
        CHECK_EQ_INT(0, g99_read_file(path, 1 << 20, &got, &ngot, NULL)) &&
        CHECK_EQ_INT((long long)nwant, (long long)ngot))
        CHECK_EQ_MEM(want, got, nwant);
    if (CHECK_EQ_INT(0, img_gif_encode(fr, 6, p, &mem, &nmem, NULL)) && CHECK_EQ_INT((long long)nwant, (long long)nmem))
        CHECK_EQ_MEM(want, mem, nwant);
    free(want);
    free(got);
    free(mem);
    for (i = 0; i < 6; i++) img_free(&fr[i]);
}

static void gif_writer_streams_the_same_bytes(void)
{
    img_gif_params p;
    img_gif_params_default(&p);
    p.delay_cs = 7;
    gif_stream_case("tests/cli/gif_global.gif", &p, 3, 0);
    p.palette = IMG_GIF_PALETTE_PER_FRAME;
    p.dither = IMG_GIF_DITHER_ORDERED;
    p.max_colors = 16;
    p.loop_count = 3;
    gif_stream_case("tests/cli/gif_per_frame.gif", &p, 3, 0);
    img_gif_params_default(&p);
    p.loop_count = -1;
    gif_stream_case("tests/cli/gif_exact.gif", &p, 1, 3);
}

static void gif_writer_failure_leaves_no_file(void)
{
    img_image a, b;
    img_gif_writer *w = NULL;
    g99_error err;
    const char *path = tmp("cli_fail.gif");
    remove(path);
    if (gif_frame(&a, 0, 3, 0) || img_new(&b, 5, 5, 3, 8, NULL)) return;
    /* Per-frame palettes: no scan; the second frame has the wrong size. */
    {
        img_gif_params p;
        img_gif_params_default(&p);
        p.palette = IMG_GIF_PALETTE_PER_FRAME;
        CHECK_EQ_INT(0, img_gif_writer_open(&w, path, 23, 13, &p, &err));
    }
    CHECK_EQ_INT(0, img_gif_writer_add(w, &a, &err));
    CHECK_EQ_INT(G99_EINVAL, img_gif_writer_add(w, &b, &err));
    CHECK_CONTAINS("frame 1 is 5x5", err.msg);
    img_gif_writer_abort(w);
    CHECK(!cli_run_exists(path));
    CHECK(no_temporaries("cli_fail.gif"));
    /* A global palette refuses a frame it has not scanned. */
    CHECK_EQ_INT(0, img_gif_writer_open(&w, path, 23, 13, NULL, &err));
    CHECK_EQ_INT(G99_EINVAL, img_gif_writer_add(w, &a, &err));
    CHECK_EQ_INT(G99_EINVAL, img_gif_writer_close(w, &err));
    CHECK(!cli_run_exists(path));
    CHECK(no_temporaries("cli_fail.gif"));
    img_free(&a);
    img_free(&b);
}

/* An output folder named with a trailing slash ("aligned/"), as shells
 * complete it, lives in its parent, not in a folder of its own name. */
static void output_folder_with_a_trailing_slash(void)
{
    SKIP_WITHOUT_BINARY();
    cli_run_remove_tree(tmp("cli_slash"));
    CHECK_EQ_INT(0, cli_run("align --out %s/ data/astronaut.jpg", tmp("cli_slash")));
    CHECK(cli_run_exists(tmp("cli_slash/eyes.csv")));
}

const test_case cli_tests[] = {
    TEST(help_of_every_command),
    TEST(unknown_options_are_named),
    TEST(numeric_flags_refuse_bad_numbers),
    TEST(numbers_in_range_are_taken),
    TEST(outputs_are_in_the_format_named),
    TEST(failed_commands_leave_no_file),
    TEST(morph_streams_every_frame),
    TEST(messages_name_the_problem),
    TEST(output_folder_with_a_trailing_slash),
    TEST(pyramid_is_bounded),
    TEST(gif_writer_streams_the_same_bytes),
    TEST(gif_writer_failure_leaves_no_file),
    TEST_END
};
