/* logring.c: see logring.h. */
#include "logring.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct segtrt_ring {
	pthread_mutex_t mu;
	size_t slots, msg_bytes;
	size_t head; /* index of the oldest message */
	size_t len;  /* messages waiting */
	uint64_t dropped;
	int* severity;
	uint64_t* tag;
	char* text; /* slots * msg_bytes */
};

segtrt_ring* segtrt_ring_new(size_t slots, size_t msg_bytes) {
	if (slots == 0 || msg_bytes < 4 || slots > ((size_t)-1) / msg_bytes) {
		return NULL;
	}
	segtrt_ring* r = (segtrt_ring*)calloc(1, sizeof *r);
	if (r == NULL) {
		return NULL;
	}
	r->severity = (int*)calloc(slots, sizeof(int));
	r->tag = (uint64_t*)calloc(slots, sizeof(uint64_t));
	r->text = (char*)calloc(slots, msg_bytes);
	if (r->severity == NULL || r->tag == NULL || r->text == NULL || pthread_mutex_init(&r->mu, NULL) != 0) {
		free(r->severity);
		free(r->tag);
		free(r->text);
		free(r);
		return NULL;
	}
	r->slots = slots;
	r->msg_bytes = msg_bytes;
	return r;
}

void segtrt_ring_free(segtrt_ring* r) {
	if (r == NULL) {
		return;
	}
	pthread_mutex_destroy(&r->mu);
	free(r->severity);
	free(r->tag);
	free(r->text);
	free(r);
}

void segtrt_ring_push(segtrt_ring* r, int severity, uint64_t tag, const char* msg) {
	if (r == NULL) {
		return;
	}
	if (msg == NULL) {
		msg = "";
	}
	size_t n = strlen(msg);
	pthread_mutex_lock(&r->mu);
	size_t slot;
	if (r->len == r->slots) { /* full: overwrite the oldest */
		slot = r->head;
		r->head = (r->head + 1) % r->slots;
		r->dropped++;
	} else {
		slot = (r->head + r->len) % r->slots;
		r->len++;
	}
	char* dst = r->text + slot * r->msg_bytes;
	if (n < r->msg_bytes) {
		memcpy(dst, msg, n + 1);
	} else {
		memcpy(dst, msg, r->msg_bytes - 4);
		memcpy(dst + r->msg_bytes - 4, "...", 4);
	}
	r->severity[slot] = severity;
	r->tag[slot] = tag;
	pthread_mutex_unlock(&r->mu);
}

int segtrt_ring_pop(segtrt_ring* r, int* severity, uint64_t* tag, char* buf, size_t cap, uint64_t* dropped) {
	if (r == NULL) {
		return 0;
	}
	pthread_mutex_lock(&r->mu);
	if (dropped != NULL) {
		*dropped = r->dropped;
		r->dropped = 0;
	}
	if (r->len == 0) {
		pthread_mutex_unlock(&r->mu);
		return 0;
	}
	const char* src = r->text + r->head * r->msg_bytes;
	if (cap > 0) {
		size_t n = strlen(src);
		if (n >= cap) {
			n = cap - 1;
		}
		memcpy(buf, src, n);
		buf[n] = '\0';
	}
	if (severity != NULL) {
		*severity = r->severity[r->head];
	}
	if (tag != NULL) {
		*tag = r->tag[r->head];
	}
	r->head = (r->head + 1) % r->slots;
	r->len--;
	pthread_mutex_unlock(&r->mu);
	return 1;
}

size_t segtrt_ring_len(segtrt_ring* r) {
	if (r == NULL) {
		return 0;
	}
	pthread_mutex_lock(&r->mu);
	size_t n = r->len;
	pthread_mutex_unlock(&r->mu);
	return n;
}
