#ifndef CLMDB_SHIM_H
#define CLMDB_SHIM_H
#include <lmdb.h>

/* Asks the CPU to start loading the cache line at `p` (a hint: it never faults). The event log's writer issues
   these for the stream-table slots and id-filter blocks a group commit is about to look up, so their cache misses
   overlap instead of following one another. */
static inline void crm_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/* Asks the CPU to start loading the 4 KiB page after `p`'s page into all cache levels (a hint: never faults, so
   addresses past the end of the map are harmless). LMDB appends leaf pages mostly in file order, and the map is
   one contiguous mapping of the file, so a forward cursor scan usually reads that page next. */
static inline void crm_prefetch_next_page(const void *p) {
    const char *next = (const char *)(((unsigned long)p & ~4095UL) + 4096UL);
    for (int i = 0; i < 4096; i += 64) __builtin_prefetch(next + i, 0, 3);
}

#endif
