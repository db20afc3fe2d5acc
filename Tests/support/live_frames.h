/*
 * live_frames.h: the minimal JSON scanning of Wenzheng's live frames
 * (docs/live-protocol.md), shared by the interop viewer
 * (Tests/interop/lws_viewer.c) and the load generator
 * (Benchmarks/live-load/lws_load.c). Header only; build with
 * -I Tests/support.
 *
 * A frame is one JSON object. lf_walk_object() walks its top-level
 * members and hands each value to a visitor; strings and nesting are
 * skipped with escape awareness, so text inside a body can never be
 * mistaken for a key. A visitor reads the members every frame may carry
 * with lf_read_frame_member(), and walks a nested object (hello's
 * "interview", an entry frame's "entry") with lf_walk_member_object().
 */
#ifndef WENZHENG_LIVE_FRAMES_H
#define WENZHENG_LIVE_FRAMES_H

#include <stddef.h>
#include <string.h>

static inline size_t lf_skip_ws(const char *p, size_t n, size_t i) {
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    return i;
}

/* p[i] == '"'; returns the index just past the closing quote, or 0. */
static inline size_t lf_skip_string(const char *p, size_t n, size_t i) {
    for (i++; i < n; i++) {
        if (p[i] == '\\')
            i++;
        else if (p[i] == '"')
            return i + 1;
    }
    return 0;
}

/* Copies a string's raw bytes (escapes left as they are) into out,
 * truncated to size - 1; returns the index past it, or 0. */
static inline size_t lf_read_string(const char *p, size_t n, size_t i, char *out, size_t size) {
    size_t end = lf_skip_string(p, n, i), len;
    if (!end)
        return 0;
    len = end - i - 2;
    if (len >= size)
        len = size - 1;
    memcpy(out, p + i + 1, len);
    out[len] = '\0';
    return end;
}

/* Skips any value (string, number, literal, object, array); returns the
 * index past it, or 0 when it is cut off. */
static inline size_t lf_skip_value(const char *p, size_t n, size_t i) {
    int depth = 0;
    if (i >= n)
        return 0;
    if (p[i] == '"')
        return lf_skip_string(p, n, i);
    if (p[i] != '{' && p[i] != '[') {
        while (i < n && p[i] != ',' && p[i] != '}' && p[i] != ']' && p[i] != ' ' && p[i] != '\n' && p[i] != '\r' &&
               p[i] != '\t')
            i++;
        return i;
    }
    for (; i < n; i++) {
        if (p[i] == '"') {
            i = lf_skip_string(p, n, i);
            if (!i)
                return 0;
            i--;
        } else if (p[i] == '{' || p[i] == '[') {
            depth++;
        } else if (p[i] == '}' || p[i] == ']') {
            if (--depth == 0)
                return i + 1;
        }
    }
    return 0;
}

/* An integer (optionally negative; not a fraction or exponent); returns
 * the index past it, or 0. */
static inline size_t lf_read_integer(const char *p, size_t n, size_t i, long long *out) {
    long long value = 0;
    int negative = 0, digits = 0;
    if (i < n && p[i] == '-') {
        negative = 1;
        i++;
    }
    while (i < n && p[i] >= '0' && p[i] <= '9') {
        value = value * 10 + (p[i] - '0');
        i++;
        digits++;
    }
    if (!digits || (i < n && (p[i] == '.' || p[i] == 'e' || p[i] == 'E')))
        return 0;
    *out = negative ? -value : value;
    return i;
}

/* Called for each member: the key, and the value starting at p[i]. Returns
 * the index just past the value it read, or 0 to have it skipped. */
typedef size_t (*lf_visitor)(const char *key, const char *p, size_t n, size_t i, void *context);

/* Walks the top-level members of the object in p[0..n). 0 on success, -1
 * when it is not an object that can be walked. */
static inline int lf_walk_object(const char *p, size_t n, lf_visitor visit, void *context) {
    size_t i = lf_skip_ws(p, n, 0);
    if (i >= n || p[i] != '{')
        return -1;
    i = lf_skip_ws(p, n, i + 1);
    if (i < n && p[i] == '}')
        return 0;
    for (;;) {
        char key[32];
        size_t next;
        if (i >= n || p[i] != '"')
            return -1;
        next = lf_read_string(p, n, i, key, sizeof(key));
        if (!next)
            return -1;
        i = lf_skip_ws(p, n, next);
        if (i >= n || p[i] != ':')
            return -1;
        i = lf_skip_ws(p, n, i + 1);
        next = visit(key, p, n, i, context);
        if (!next)
            next = lf_skip_value(p, n, i);
        if (!next)
            return -1;
        i = lf_skip_ws(p, n, next);
        if (i < n && p[i] == ',') {
            i = lf_skip_ws(p, n, i + 1);
            continue;
        }
        if (i < n && p[i] == '}')
            return 0;
        return -1;
    }
}

/* The members any frame may carry: its "type", and the "seq" of the
 * frames in the interview's sequence (entry, correction, status). */
struct lf_frame {
    char type[32];
    int has_seq;
    long long seq;
};

/* For a visitor: reads the member into frame when it is "type" (a string)
 * or "seq" (an integer). Returns the index past the value, or 0 for any
 * other member (or a value of the wrong kind). */
static inline size_t lf_read_frame_member(const char *key, const char *p, size_t n, size_t i, struct lf_frame *frame) {
    size_t next;
    if (!strcmp(key, "type") && i < n && p[i] == '"')
        return lf_read_string(p, n, i, frame->type, sizeof(frame->type));
    if (!strcmp(key, "seq")) {
        next = lf_read_integer(p, n, i, &frame->seq);
        frame->has_seq = next != 0;
        return next;
    }
    return 0;
}

/* For a visitor: walks the object that is the member's value at p[i] with
 * visit. Returns the index past it, or 0 when it is not an object that can
 * be walked. */
static inline size_t lf_walk_member_object(const char *p, size_t n, size_t i, lf_visitor visit, void *context) {
    size_t next;
    if (i >= n || p[i] != '{')
        return 0;
    next = lf_skip_value(p, n, i);
    if (next && lf_walk_object(p + i, next - i, visit, context) != 0)
        return 0;
    return next;
}

#endif
