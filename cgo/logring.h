/*
 * logring: a fixed-size ring of log messages. TensorRT calls its logger from
 * whatever thread it likes; Go must never be called from there, so the
 * logger only copies the message into this ring and Go drains it later.
 * When the ring is full the oldest message is overwritten and counted as
 * dropped. Each message carries the tag of the call that logged it, so that
 * concurrent calls each get their own messages. Plain C, no TensorRT or CUDA: it is tested through cgo in the
 * default build (trt/internal/logring).
 */
#ifndef SEGTRT_LOGRING_H
#define SEGTRT_LOGRING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct segtrt_ring segtrt_ring;

/* Makes a ring of slots messages of at most msg_bytes-1 bytes each (longer
 * ones are cut and end in "..."). NULL when out of memory or a size is 0. */
segtrt_ring* segtrt_ring_new(size_t slots, size_t msg_bytes);
void segtrt_ring_free(segtrt_ring* r);

/* Copies msg (NULL is taken as "") into the ring with the tag of the call
 * that logged it (0: none known). Thread-safe. */
void segtrt_ring_push(segtrt_ring* r, int severity, uint64_t tag, const char* msg);

/* Pops the oldest message into buf (always NUL-terminated when cap > 0), its
 * severity and tag (either may be NULL); returns 1, or 0 when the ring is
 * empty. *dropped (may be NULL) gets the number of messages overwritten since
 * the last pop that reported them. Thread-safe. */
int segtrt_ring_pop(segtrt_ring* r, int* severity, uint64_t* tag, char* buf, size_t cap, uint64_t* dropped);

/* Messages waiting. */
size_t segtrt_ring_len(segtrt_ring* r);

#ifdef __cplusplus
}
#endif

#endif /* SEGTRT_LOGRING_H */
