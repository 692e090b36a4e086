/* The Cortex-M4F vector table and reset for tests/baremetal/mps2.ld: turn
 * the FPU on (the library is built for hard float), then newlib's _start
 * (rdimon: semihosting for printf and the exit status) clears .bss and
 * calls main. Only the two entries a reset needs. */
extern void _start(void);
extern char __stack_top[];

void reset(void);
void reset(void)
{
    *(volatile unsigned *)0xE000ED88u |= 0xFu << 20;   /* CPACR: CP10, CP11 full access */
    __asm__ volatile("dsb\n\tisb");
    _start();
    for (;;) {}
}

__attribute__((section(".vectors"), used)) const void *const g99_vectors[2] = { __stack_top, (const void *)reset };

/* newlib's __libc_init_array / __libc_fini_array call these (crti/crtn
 * are not linked: nothing to run here). */
void _init(void);
void _fini(void);
void _init(void) {}
void _fini(void) {}
