/* CRC-32 with the reflected polynomial 0xEDB88320 (ISO-HDLC), the checksum
 * of PNG chunks, gzip members and gan99's determinism digests.
 * The table is built on first use from the polynomial, so there is no
 * 256-entry literal to audit. */
#include "base.h"

static uint32_t crc_table[256];
static int crc_table_ready;

static void crc_table_build(void)
{
    uint32_t n, c;
    int k;
    for (n = 0; n < 256; n++) {
        c = n;
        for (k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
    crc_table_ready = 1;
}

uint32_t g99_crc32(uint32_t crc, const void *data, size_t n)
{
    const uint8_t *p = (const uint8_t *)data;
    size_t i;
    /* Building twice from two threads writes identical values: benign. */
    if (!crc_table_ready) crc_table_build();
    crc = ~crc;
    for (i = 0; i < n; i++) crc = crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}
