#ifndef CAIRN_SYSTEM_SHIMS_H
#define CAIRN_SYSTEM_SHIMS_H

/// Caps glibc's malloc arenas at `count` (each thread otherwise gets its own, up to 8 per core,
/// and every arena keeps what was freed into it). Returns 1 on success, 0 where unsupported.
int cairn_limit_malloc_arenas(int count);

#endif
