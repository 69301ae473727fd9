#ifndef CLMDB_SHIM_H
#define CLMDB_SHIM_H
#include <lmdb.h>

/* Asks the CPU to start loading the cache line at `p` (a hint: it never faults). The event log's writer issues
   these for the stream-table slots and id-filter blocks a group commit is about to look up, so their cache misses
   overlap instead of following one another. */
static inline void crm_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
#endif
