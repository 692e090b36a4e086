/* One progress line for the long commands (align, train): on a terminal a
 * bar redrawn in place; in a log (not a terminal) a plain line at the first
 * update, every 10 seconds and at the end, so a log stays short and still
 * shows the run is alive. Both give the rate since start and the time left
 * at that rate. Time and the terminal test come from base/'s platform layer. */
#include "cli.h"

#include <stdio.h>

#define PLAIN_LINE_SECONDS 10.0

void cli_progress_start(cli_progress *p, const char *label, const char *unit, uint64_t done, uint64_t total)
{
    memset(p, 0, sizeof *p);
    p->label = label;
    p->unit = unit;
    p->first = done;
    p->total = total;
    p->start = p->last_line = g99_now_seconds();
    p->tty = g99_is_terminal(stderr);
}

/* "1h02m" or "3m07s"; 0 when unknown. */
static void format_time(double s, char *buf, size_t cap)
{
    long t = s > 0 && s < 1e8 ? (long)(s + 0.5) : 0;
    if (t >= 3600) snprintf(buf, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
}

void cli_progress_update(cli_progress *p, uint64_t done, const char *extra)
{
    double t = g99_now_seconds(), spent = t - p->start, rate;
    char eta[32];
    rate = done > p->first && spent > 1e-9 ? (double)(done - p->first) / spent : 0;
    format_time(rate > 0 && done < p->total ? (double)(p->total - done) / rate : 0, eta, sizeof eta);
    if (p->tty) {
        char bar[31];
        int i, fill = p->total ? (int)(30.0 * (double)done / (double)p->total) : 30;
        for (i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        /* The trailing spaces wipe what a longer previous line left. */
        fprintf(stderr, "\r%s [%s] %llu/%llu  %s%s%.2f %s  ETA %s   ", p->label, bar, (unsigned long long)done,
                (unsigned long long)p->total, extra ? extra : "", extra ? "  " : "", rate, p->unit, eta);
        p->open = 1;
        if (done >= p->total) cli_progress_break(p);
    } else if (!p->shown || done >= p->total || t - p->last_line >= PLAIN_LINE_SECONDS) {
        fprintf(stderr, "%s: %llu/%llu  %s%s%.2f %s  ETA %s\n", p->label, (unsigned long long)done,
                (unsigned long long)p->total, extra ? extra : "", extra ? "  " : "", rate, p->unit, eta);
        p->last_line = t;
    }
    p->shown = 1;
    fflush(stderr);
}

void cli_progress_break(cli_progress *p)
{
    if (p->open) fputc('\n', stderr);
    p->open = 0;
}
