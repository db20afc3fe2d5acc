/*
 * alloc_count.c: an LD_PRELOAD allocation counter for the live-load
 * benchmark (run.py loads it into the server under test, Wenzheng or the
 * libwebsockets test server, for the memory and instrumented scenarios).
 *
 * It replaces the C allocator's entry points (malloc, calloc, realloc,
 * reallocarray, free, posix_memalign, aligned_alloc, memalign, valloc,
 * pvalloc) with thin wrappers around glibc's own (__libc_malloc & co., so
 * no dlsym bootstrap) and counts, with relaxed atomic adds:
 *
 *   calls           allocation calls (malloc, calloc, realloc with a
 *                   non-zero size, and the aligned ones)
 *   blocks_alloc    blocks handed out; blocks_freed: blocks given back
 *   bytes_alloc     usable bytes handed out (malloc_usable_size, so the
 *                   figure is what the heap really holds, not what was
 *                   asked for); bytes_freed: usable bytes given back
 *
 * live blocks = blocks_alloc - blocks_freed, live bytes = bytes_alloc -
 * bytes_freed. Blocks keep their glibc layout (no header is added), so
 * malloc_usable_size, which the Swift runtime calls, stays right.
 *
 * The counters live in a 4 KiB file that the constructor maps shared
 * (MAP_SHARED) from $ALLOC_COUNT_FILE: the runner reads them whenever it
 * likes, with no signal and no cooperation from the server. Allocations
 * made before the constructor runs are counted in a static block and
 * carried over. The constructor removes $ALLOC_COUNT_FILE from the
 * environment, so a child process does not count into the same file.
 *
 * Build: cc -O2 -Wall -shared -fPIC -o alloc_count.so alloc_count.c
 * Layout of the file: 8 little-endian uint64: magic, version, calls,
 * blocks_alloc, blocks_freed, bytes_alloc, bytes_freed, reallocs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

struct counters {
    uint64_t magic;
    uint64_t version;
    uint64_t calls;
    uint64_t blocks_alloc;
    uint64_t blocks_freed;
    uint64_t bytes_alloc;
    uint64_t bytes_freed;
    uint64_t reallocs;
};

#define MAGIC 0x746e756f63636c61ULL /* "alccount" */

static struct counters initial = {MAGIC, 1, 0, 0, 0, 0, 0, 0};
static struct counters *counters = &initial;

#define ADD(field, value) __atomic_fetch_add(&counters->field, (uint64_t)(value), __ATOMIC_RELAXED)

static inline void *counted(void *p) {
    if (p) {
        ADD(calls, 1);
        ADD(blocks_alloc, 1);
        ADD(bytes_alloc, malloc_usable_size(p));
    }
    return p;
}

__attribute__((constructor(101))) static void map_counters(void) {
    const char *path = getenv("ALLOC_COUNT_FILE");
    int fd;
    void *mapping;
    if (!path || !*path)
        return;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (ftruncate(fd, 4096) != 0) {
        close(fd);
        return;
    }
    mapping = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (mapping == MAP_FAILED)
        return;
    memcpy(mapping, &initial, sizeof(initial));
    __atomic_store_n(&counters, (struct counters *)mapping, __ATOMIC_RELEASE);
    /* a child process (a shell, a helper) must not map the same file */
    unsetenv("ALLOC_COUNT_FILE");
}

void *malloc(size_t size) {
    return counted(__libc_malloc(size));
}

void *calloc(size_t count, size_t size) {
    return counted(__libc_calloc(count, size));
}

void free(void *p) {
    if (!p)
        return;
    ADD(blocks_freed, 1);
    ADD(bytes_freed, malloc_usable_size(p));
    __libc_free(p);
}

void *realloc(void *p, size_t size) {
    size_t old;
    void *q;
    if (!p)
        return malloc(size);
    if (size == 0) { /* glibc: frees the block, returns NULL */
        free(p);
        return NULL;
    }
    old = malloc_usable_size(p);
    q = __libc_realloc(p, size);
    if (q) {
        ADD(calls, 1);
        ADD(reallocs, 1);
        ADD(bytes_freed, old);
        ADD(bytes_alloc, malloc_usable_size(q));
    }
    return q;
}

void *reallocarray(void *p, size_t count, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, total);
}

void *memalign(size_t alignment, size_t size) {
    return counted(__libc_memalign(alignment, size));
}

void *aligned_alloc(size_t alignment, size_t size) {
    return counted(__libc_memalign(alignment, size));
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    void *p;
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0)
        return EINVAL;
    p = counted(__libc_memalign(alignment, size));
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void *valloc(size_t size) {
    return counted(__libc_memalign((size_t)sysconf(_SC_PAGESIZE), size));
}

void *pvalloc(size_t size) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return counted(__libc_memalign(page, (size + page - 1) / page * page));
}
