/*
 * lws_load: many live viewers in one process (libwebsockets client API,
 * one context, one service loop), measuring post-to-delivery latency. It
 * watches either a Wenzheng interview (GET /live/interviews/ID?since=S) or,
 * with --mirror, libwebsockets-test-server's "lws-mirror-protocol" (every
 * message one client sends is sent to every client), the baseline the
 * benchmark compares Wenzheng with. Driven by run.py; see README.md.
 *
 *   lws_load --port P --interview ID --connections N [options]
 *   lws_load --mirror --port P --connections N [options]
 *
 * Viewers:
 *   --host H            server address (default 127.0.0.1)
 *   --since S           since= of every viewer (default 0)
 *   --inflight K        at most K handshakes in progress at once (default 100)
 *   --connect-timeout S give up waiting for all hellos after S s (default 180)
 *   --drain-timeout S   after DONE/ROUND, wait at most S s for stragglers (default 20)
 *   --resume            on close 4000/1001 reconnect at once with since = last seq
 *                       (counted); default: a closed viewer stays closed
 *   --storm             a viewer the server closes (any code, or no close
 *                       frame) waits for RESUME (the reconnect storm)
 *   --resume-inflight K handshakes at once after RESUME (default: all)
 *   --poll              use lws' built-in poll() loop instead of libev/epoll
 *                       (no posting then)
 *   --mirror            viewers of libwebsockets-test-server's mirror
 *                       protocol (path /, subprotocol lws-mirror-protocol);
 *                       a viewer is ready when its handshake completes
 *
 * Posting (one process of a split run posts; the others only watch):
 *   --post-mode M       none (default), rate or saturate
 *   --rate R            entries per second in rate mode (default 5)
 *   --seconds S         how long to post (default 10)
 *   --window W          saturate: start entry k only when every viewer of
 *                       this process has entry k - W (default 64), so the
 *                       poster never runs more than W entries ahead of the
 *                       slowest viewer (no unbounded queues, no overflow)
 *   --posters P         Wenzheng: P keep-alive HTTP connections, each with
 *                       one request in flight (default 4)
 *   --cookie C --csrf T Wenzheng: the staff session (wz_session=...) and
 *                       its CSRF token
 *   --post-port P       Wenzheng: post to this port (another server node on
 *                       the same database) while the viewers watch --port
 *   --mirror-bytes B    mirror: size of each message (default 122, so a
 *                       masked client frame is 128 bytes; at most 128: the
 *                       test server's mirror hands on at most 128 bytes per
 *                       receive callback, each as a message of its own)
 *
 * Wenzheng entries are posted with POST /api/v1/interviews/ID/entries (the
 * host's real path: session, CSRF, validation, SQLite commit, fan-out) from
 * a small HTTP/1.1 client on the same libev loop, body
 * {"kind":"remark","body":"t=<CLOCK_MONOTONIC ns>"} stamped just before the
 * request is written. Mirror messages are sent by one extra WebSocket
 * connection (not a viewer), shaped like an entry frame:
 * {"v":1,"type":"entry","seq":N,"entry":{"body":"t=<ns>","pad":"xx…"}}.
 *
 * Protocol with the runner (stdout / stdin, one line each):
 *   -> "READY connections=N failed=F seconds=T"   every viewer is ready
 *   <- "GO"                 start posting (per the options above)
 *   <- "STOP"               end the posting now, before --seconds are over
 *                           (entries in flight are waited for); POSTED follows
 *   -> "POSTED {json}"      posting is over (posted, lastSeq, errors, REST times)
 *   <- "ROUND LASTSEQ POSTED"  wait until every viewer has LASTSEQ (at most
 *                           --drain-timeout), print "RESULT {json}" for the
 *                           round, reset the round's figures, keep going
 *   <- "DONE LASTSEQ POSTED"   the same, then exit
 *   -> "RESULT {json}"      figures of the round (latency histogram included)
 *   <- "QUIT"               exit now (report what there is)
 *   <- "CLOSE"              close every viewer with 1000, print
 *                           "CLOSED ...", report and exit
 *   -> "DOWN closed=N"      --storm: every ready viewer was closed by the server
 *   <- "RESUME TARGET"      --storm: every closed viewer reconnects now with
 *                           since = its last seq
 *   -> "RESUMED {json}"     every viewer has its hello and seq >= TARGET
 *                           (or the storm timed out): times to resume
 *
 * Every entry whose body is "t=<CLOCK_MONOTONIC ns>" yields one latency
 * sample per viewer: receive time - stamp. Samples go into a histogram of
 * 10 us buckets (exact max kept separately). A viewer checks that seqs
 * follow each other with no gap or duplicate, across reconnects too.
 *
 * Event loop: libev on epoll (LWS_SERVER_OPTION_LIBEV with a foreign loop;
 * Debian's libwebsockets loads its libev plugin), since lws' default poll()
 * loop rescans every socket per wakeup; --poll selects the default loop.
 *
 * Build: cc -O2 -Wall -I Tests/support -o lws_load Benchmarks/live-load/lws_load.c -lwebsockets -lev
 */

#define _GNU_SOURCE /* memmem */
#include <libwebsockets.h>
#include <ev.h>

#include "live_client.h"
#include "live_frames.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUCKET_US 10
#define BUCKETS (3 * 1000 * 1000) /* 10 us .. 30 s */
#define MAX_FRAME (1024 * 1024)
#define MAX_CODES 16
#define MAX_POSTERS 64
#define REST_BUCKETS 100000 /* 10 us .. 1 s */

enum conn_state { C_IDLE, C_CONNECTING, C_OPEN, C_CLOSED, C_FAILED, C_WAITING };

struct conn {
    struct lws *wsi;
    int index;           /* -1: the mirror sender */
    enum conn_state state;
    int attempts;
    int got_hello;
    int counted_ready;
    long long since;
    long long next_seq;  /* next expected seq; -1 until the first one */
    long long last_seq;
    long long entries;   /* timed entries received, all rounds */
    long long seq_errors; /* this round */
    char *buf;           /* reassembly of fragmented frames, lazily allocated */
    size_t len;
    int closing_code;
    int resumed;         /* storm: caught up after RESUME */
};

/* MARK: options and state */

static const char *host = "127.0.0.1";
static int port;
/* Where entries are posted (--post-port; default: port): another node of
 * the same database, for the two-node mode. */
static int post_port;
static long long interview_id = -1;
static int n_conns;
static long long since0;
static int max_inflight = 100, base_inflight = 100, resume_inflight;
static double connect_timeout = 180, drain_timeout = 20;
static int resume_enabled, storm_enabled;
static int use_poll; /* --poll: lws' built-in poll() loop instead of libev */
static int mirror;   /* --mirror: libwebsockets-test-server's mirror protocol */
static struct ev_loop *ev_loop_;

static struct lws_context *context;
static struct conn *conns;
static lws_sorted_usec_list_t tick_sul;
static int finished;

static int inflight, ready_count, failed_count;
static int ready_announced;
static double t_start, t_ready, t_done;
static int done_received, done_exit;
static int closing_all;      /* CLOSE: every viewer sends close 1000 */
static double t_closing;
static int closed_by_us;
static double cpu_at_round;
static long long done_last_seq = -1, done_posted;
static int closed_count, resumes, connect_retries;
static int close_codes[MAX_CODES], close_code_counts[MAX_CODES], n_close_codes;
static int closed_without_frame;

static uint32_t *histogram;
static long long samples, overflow_samples;
static double max_latency_ms = 0, sum_latency_ms = 0;
static double t_first_delivery, t_last_delivery;
static long long frames_total, entry_frames, untimed_entry_frames, fragmented_frames, malformed_frames;
static long long viewers_frames, ping_frames, total_seq_errors, entry_bytes;

/* storm */
static int waiting_count, down_announced, resuming;
static double t_resume;
static long long resume_target;
static double *resume_times;
static int resumed_count;

static char stdin_line[256];
static size_t stdin_len;

/* posting */
enum post_mode { POST_NONE, POST_RATE, POST_SATURATE };
static enum post_mode post_mode = POST_NONE;
static double post_rate = 5, post_seconds = 10;
static int post_window = 64, n_posters = 4, mirror_bytes = 122;
static const char *cookie = "", *csrf = "";
static int posting, posting_over;
static int stop_requested; /* "STOP": end the posting now (the runner's phase is over) */
static double t_post_start, t_post_end;
static long long posts_started, posts_done, posts_ok, post_errors, post_reconnects, last_posted_seq;
static long long window_waits;
static uint32_t rest_histogram[REST_BUCKETS];
static long long rest_samples;
static double rest_max_ms;
static char first_post_error[512];
static struct conn sender;   /* mirror: the connection that sends */
static int sender_ready;
static long long sender_echoes, mirror_seq; /* mirror: own messages the sender got back */
/* At most this many of the sender's messages not yet echoed back to it
 * (--echo-window, default 32): with 128-byte frames the mirror then never
 * has more than 4096 bytes (its read size) unread from the sender, so it
 * always reads whole messages. (It hands on whatever one receive callback
 * got as a message of its own: a read that ended inside a frame would
 * split it in two, which the viewers would see as malformed frames and
 * gaps.) */
static int echo_window = 32;
static long long min_entries_cache;

static double cpu_seconds(void) {
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0)
        return 0;
    return (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 + (double)usage.ru_stime.tv_sec +
           (double)usage.ru_stime.tv_usec / 1e6;
}

static double now_sec(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* MARK: minimal JSON scanning (Tests/support/live_frames.h): the top
 * level, and "body" of the nested entry */

struct frame_info {
    struct lf_frame frame;
    int has_stamp;
    int64_t stamp_ns;
};

static size_t visit_entry(const char *key, const char *p, size_t n, size_t i, void *context) {
    struct frame_info *info = context;
    if (!strcmp(key, "body") && i + 3 < n && p[i] == '"' && p[i + 1] == 't' && p[i + 2] == '=') {
        long long stamp;
        size_t end = lf_read_integer(p, n, i + 3, &stamp);
        if (end && end < n && p[end] == '"') {
            info->has_stamp = 1;
            info->stamp_ns = stamp;
        }
    }
    return 0;
}

static size_t visit_frame(const char *key, const char *p, size_t n, size_t i, void *context) {
    struct frame_info *info = context;
    size_t next = lf_read_frame_member(key, p, n, i, &info->frame);
    if (!next && !strcmp(key, "entry"))
        next = lf_walk_member_object(p, n, i, visit_entry, info);
    return next;
}

static int scan_object(const char *p, size_t n, struct frame_info *info) {
    return lf_walk_object(p, n, visit_frame, info);
}

/* MARK: connections */

static void announce_ready_if_complete(void);
static void try_post(void);
static void viewer_ready(struct conn *c);

static void open_conn(struct conn *c) {
    struct lws_client_connect_info ccinfo;
    static struct live_address address; /* lws copies what it needs during the call */
    live_connect_info(&ccinfo, &address, context, host, port, interview_id, c->since);
    if (mirror) {
        snprintf(address.path, sizeof(address.path), "/");
        ccinfo.protocol = "lws-mirror-protocol";
    }
    ccinfo.local_protocol_name = "wenzheng-load";
    ccinfo.opaque_user_data = c;
    ccinfo.pwsi = &c->wsi;
    c->state = C_CONNECTING;
    c->attempts++;
    if (c->index >= 0)
        inflight++;
    if (!lws_client_connect_via_info(&ccinfo)) {
        /* CONNECTION_ERROR may or may not have been called */
        if (c->state == C_CONNECTING) {
            c->state = C_FAILED;
            if (c->index >= 0) {
                inflight--;
                failed_count++;
            }
        }
    }
}

static void record_close(int code) {
    int k;
    for (k = 0; k < n_close_codes; k++)
        if (close_codes[k] == code) {
            close_code_counts[k]++;
            return;
        }
    if (n_close_codes < MAX_CODES) {
        close_codes[n_close_codes] = code;
        close_code_counts[n_close_codes++] = 1;
    }
}

static void check_resumed(struct conn *c) {
    if (resuming && !c->resumed && c->got_hello && c->last_seq >= resume_target) {
        c->resumed = 1;
        resume_times[resumed_count++] = now_sec() - t_resume;
    }
}

static void handle_frame(struct conn *c, const char *p, size_t n) {
    struct frame_info info;
    if (c->index < 0) { /* the mirror sender's own echo */
        sender_echoes++;
        return;
    }
    frames_total++;
    memset(&info, 0, sizeof(info));
    if (scan_object(p, n, &info) != 0) {
        malformed_frames++;
        return;
    }
    if (!strcmp(info.frame.type, "hello")) {
        if (!c->got_hello)
            viewer_ready(c);
        return;
    }
    if (!strcmp(info.frame.type, "viewers")) {
        viewers_frames++;
        return;
    }
    if (!strcmp(info.frame.type, "ping")) {
        ping_frames++;
        return;
    }
    if (!info.frame.has_seq)
        return;
    if (c->next_seq >= 0 && info.frame.seq != c->next_seq) {
        c->seq_errors++;
        total_seq_errors++;
    }
    c->next_seq = info.frame.seq + 1;
    c->last_seq = info.frame.seq;
    check_resumed(c);
    if (strcmp(info.frame.type, "entry"))
        return;
    if (!info.has_stamp) {
        untimed_entry_frames++;
        return;
    }
    {
        double t = now_sec();
        int64_t latency_ns = now_ns() - info.stamp_ns;
        double ms = (double)latency_ns / 1e6;
        long long bucket = latency_ns < 0 ? 0 : latency_ns / (BUCKET_US * 1000);
        entry_frames++;
        entry_bytes += (long long)n;
        c->entries++;
        samples++;
        sum_latency_ms += ms;
        if (ms > max_latency_ms)
            max_latency_ms = ms;
        if (bucket >= BUCKETS)
            overflow_samples++;
        else
            histogram[bucket]++;
        if (t_first_delivery == 0)
            t_first_delivery = t;
        t_last_delivery = t;
    }
}

/* A viewer got its hello (Wenzheng) or its handshake completed (mirror). */
static void viewer_ready(struct conn *c) {
    c->got_hello = 1;
    if (!c->counted_ready) {
        c->counted_ready = 1;
        ready_count++;
    }
    inflight--;
    announce_ready_if_complete();
    check_resumed(c);
}

/* MARK: the mirror sender */

static void mirror_send(struct lws *wsi) {
    unsigned char buf[LWS_PRE + 256];
    char *p = (char *)buf + LWS_PRE;
    long long seq = mirror_seq + 1; /* continues across rounds */
    int n = snprintf(p, 200, "{\"v\":1,\"type\":\"entry\",\"seq\":%lld,\"entry\":{\"body\":\"t=%lld\",\"pad\":\"", seq,
                     (long long)now_ns());
    while (n < mirror_bytes - 3)
        p[n++] = 'x';
    memcpy(p + n, "\"}}", 3);
    n += 3;
    if (lws_write(wsi, (unsigned char *)p, (size_t)n, LWS_WRITE_TEXT) < n) {
        post_errors++;
        if (!first_post_error[0])
            snprintf(first_post_error, sizeof(first_post_error), "lws_write to the mirror failed");
        return;
    }
    posts_started++;
    posts_done++;
    posts_ok++;
    mirror_seq = seq;
    last_posted_seq = seq;
}

/* MARK: the lws callback */

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    struct conn *c = (struct conn *)lws_get_opaque_user_data(wsi);
    (void)user;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (!c)
            break;
        c->wsi = NULL;
        if (c->index < 0) {
            fprintf(stderr, "mirror sender: connection failed: %s\n", in ? (const char *)in : "?");
            c->state = C_FAILED;
            break;
        }
        if (c->state == C_CONNECTING)
            inflight--;
        if (c->attempts < (resuming ? 1000 : 3) && !finished) {
            connect_retries++;
            c->state = C_IDLE; /* the tick opens it again */
        } else {
            c->state = C_FAILED;
            failed_count++;
            fprintf(stderr, "viewer %d: connection failed: %s\n", c->index, in ? (const char *)in : "?");
            announce_ready_if_complete();
        }
        break;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (!c)
            break;
        c->state = C_OPEN;
        if (c->index < 0) {
            sender_ready = 1;
            announce_ready_if_complete();
            break;
        }
        if (mirror)
            viewer_ready(c);
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (!c)
            break;
        if (lws_is_first_fragment(wsi) && lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0 &&
            c->len == 0) {
            handle_frame(c, in, len); /* the common case: one callback, no copy */
            break;
        }
        if (!c->buf && !(c->buf = malloc(MAX_FRAME)))
            return -1;
        if (c->len + len > MAX_FRAME) {
            malformed_frames++;
            c->len = 0;
            break;
        }
        memcpy(c->buf + c->len, in, len);
        c->len += len;
        if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
            fragmented_frames++;
            handle_frame(c, c->buf, c->len);
            c->len = 0;
        }
        break;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (c) {
            const unsigned char *b = in;
            c->closing_code = len >= 2 ? (b[0] << 8) | b[1] : 1005;
        }
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (closing_all) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"bye", 3);
            return -1;
        }
        if (c && c->index < 0 && posting) {
            /* one message per WRITEABLE (sending a burst while the windows
             * allowed measured slower: smaller, later batches) */
            mirror_send(wsi);
            try_post(); /* asks for the next WRITEABLE if the window allows */
        }
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (!c)
            break;
        c->wsi = NULL;
        if (finished)
            break;
        if (c->index < 0) {
            sender_ready = 0;
            c->state = C_CLOSED;
            if (!closing_all && !storm_enabled)
                fprintf(stderr, "mirror sender: closed\n");
            if (storm_enabled && !closing_all)
                c->state = C_WAITING;
            break;
        }
        if (closing_all) {
            closed_by_us++;
            c->state = C_CLOSED;
            break;
        }
        closed_count++;
        if (c->closing_code)
            record_close(c->closing_code);
        else
            closed_without_frame++;
        if (!c->got_hello)
            inflight--;
        c->state = C_CLOSED;
        c->got_hello = 0;
        if (storm_enabled) {
            /* wait for RESUME; keep next_seq, so a gap or a duplicate at
             * the reconnect is caught */
            c->state = C_WAITING;
            c->closing_code = 0;
            c->len = 0;
            waiting_count++;
        } else if (resume_enabled && (c->closing_code == 4000 || c->closing_code == 1001)) {
            resumes++;
            c->since = c->last_seq > 0 ? c->last_seq : c->since;
            c->closing_code = 0;
            c->next_seq = -1;
            c->len = 0;
            c->attempts = 0;
            c->state = C_IDLE;
        }
        break;
    default:
        break;
    }
    return 0;
}

static struct lws_protocols protocols[] = {
    {"wenzheng-load", callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* MARK: the HTTP poster (Wenzheng): keep-alive connections on the libev loop */

enum poster_state { P_CLOSED, P_CONNECTING, P_IDLE, P_BUSY };

struct poster {
    ev_io io;
    int fd;
    enum poster_state state;
    char out[1024];
    size_t out_len, out_off;
    char in[16384];
    size_t in_len;
    int64_t sent_ns;
};

static struct poster posters[MAX_POSTERS];

static void poster_io(struct ev_loop *loop, ev_io *w, int revents);

static void poster_close(struct poster *p) {
    if (p->fd >= 0) {
        ev_io_stop(ev_loop_, &p->io);
        close(p->fd);
    }
    p->fd = -1;
    p->state = P_CLOSED;
    p->in_len = 0;
}

static int poster_connect(struct poster *p) {
    struct sockaddr_in address;
    int one = 1;
    p->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p->fd < 0)
        return -1;
    setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_port = htons((uint16_t)(post_port ? post_port : port));
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
        close(p->fd);
        p->fd = -1;
        return -1;
    }
    if (connect(p->fd, (struct sockaddr *)&address, sizeof(address)) != 0 && errno != EINPROGRESS) {
        close(p->fd);
        p->fd = -1;
        return -1;
    }
    p->state = P_CONNECTING;
    p->in_len = 0;
    ev_io_init(&p->io, poster_io, p->fd, EV_WRITE);
    ev_io_start(ev_loop_, &p->io);
    return 0;
}

static void post_error(const char *what) {
    post_errors++;
    if (!first_post_error[0]) {
        size_t k;
        snprintf(first_post_error, sizeof(first_post_error), "%s", what);
        for (k = 0; first_post_error[k]; k++)
            if (first_post_error[k] == '"' || first_post_error[k] == '\\' || (unsigned char)first_post_error[k] < 32)
                first_post_error[k] = ' ';
    }
}

static void poster_flush(struct poster *p) {
    while (p->out_off < p->out_len) {
        ssize_t n = write(p->fd, p->out + p->out_off, p->out_len - p->out_off);
        if (n > 0) {
            p->out_off += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            ev_io_stop(ev_loop_, &p->io);
            ev_io_set(&p->io, p->fd, EV_READ | EV_WRITE);
            ev_io_start(ev_loop_, &p->io);
            return;
        }
        post_error("write of a post request failed");
        posts_done++;
        poster_close(p);
        return;
    }
    ev_io_stop(ev_loop_, &p->io);
    ev_io_set(&p->io, p->fd, EV_READ);
    ev_io_start(ev_loop_, &p->io);
}

static void poster_send(struct poster *p) {
    char body[96];
    int body_len;
    p->sent_ns = now_ns();
    body_len = snprintf(body, sizeof(body), "{\"kind\":\"remark\",\"body\":\"t=%lld\"}", (long long)p->sent_ns);
    p->out_len = (size_t)snprintf(p->out, sizeof(p->out),
                                  "POST /api/v1/interviews/%lld/entries HTTP/1.1\r\n"
                                  "Host: %s:%d\r\n"
                                  "Cookie: %s\r\n"
                                  "X-CSRF-Token: %s\r\n"
                                  "Content-Type: application/json\r\n"
                                  "Accept: application/json\r\n"
                                  "Content-Length: %d\r\n"
                                  "\r\n%s",
                                  interview_id, host, post_port ? post_port : port, cookie, csrf, body_len, body);
    p->out_off = 0;
    p->state = P_BUSY;
    posts_started++;
    poster_flush(p);
}

/* Case-insensitive search of a header's value in the head (up to
 * head_len); returns a pointer to the value or NULL. */
static const char *find_header(const char *head, size_t head_len, const char *name) {
    size_t name_len = strlen(name), k;
    for (k = 0; k + name_len + 1 < head_len; k++) {
        if ((k == 0 || head[k - 1] == '\n') && !strncasecmp(head + k, name, name_len) && head[k + name_len] == ':') {
            const char *v = head + k + name_len + 1;
            while (*v == ' ')
                v++;
            return v;
        }
    }
    return NULL;
}

/* A whole response in p->in? Returns its length (0: not yet, -1: broken);
 * the body is copied to body (nul-terminated). */
static long response_complete(struct poster *p, int *status, char *body, size_t body_size) {
    char *end = memmem(p->in, p->in_len, "\r\n\r\n", 4);
    size_t head_len, body_len = 0, total;
    const char *v;
    if (!end)
        return p->in_len >= sizeof(p->in) ? -1 : 0;
    head_len = (size_t)(end - p->in) + 4;
    if (sscanf(p->in, "HTTP/1.%*d %d", status) != 1)
        return -1;
    if ((v = find_header(p->in, head_len, "Content-Length"))) {
        body_len = (size_t)strtoul(v, NULL, 10);
        total = head_len + body_len;
        if (total > sizeof(p->in))
            return -1;
        if (p->in_len < total)
            return 0;
        snprintf(body, body_size, "%.*s", (int)body_len, p->in + head_len);
        return (long)total;
    }
    if ((v = find_header(p->in, head_len, "Transfer-Encoding")) && !strncasecmp(v, "chunked", 7)) {
        size_t at = head_len, out = 0;
        for (;;) {
            char *line_end = memmem(p->in + at, p->in_len - at, "\r\n", 2);
            size_t chunk;
            if (!line_end)
                return p->in_len >= sizeof(p->in) ? -1 : 0;
            chunk = (size_t)strtoul(p->in + at, NULL, 16);
            at = (size_t)(line_end - p->in) + 2;
            if (chunk == 0) {
                if (p->in_len < at + 2)
                    return 0;
                body[out < body_size ? out : body_size - 1] = '\0';
                return (long)(at + 2);
            }
            if (p->in_len < at + chunk + 2)
                return p->in_len >= sizeof(p->in) ? -1 : 0;
            if (out + chunk < body_size) {
                memcpy(body + out, p->in + at, chunk);
                out += chunk;
            }
            at += chunk + 2;
        }
    }
    body[0] = '\0';
    return (long)head_len; /* no body */
}

static void poster_response(struct poster *p, int status, const char *body) {
    double ms = (double)(now_ns() - p->sent_ns) / 1e6;
    long long bucket = (long long)(ms * 1000.0 / BUCKET_US);
    posts_done++;
    rest_samples++;
    if (bucket >= REST_BUCKETS)
        bucket = REST_BUCKETS - 1;
    rest_histogram[bucket]++;
    if (ms > rest_max_ms)
        rest_max_ms = ms;
    if (status != 201) {
        char what[400];
        snprintf(what, sizeof(what), "POST entries -> %d: %.300s", status, body);
        post_error(what);
    } else {
        const char *s = strstr(body, "\"seq\":");
        posts_ok++;
        if (s) {
            long long seq = atoll(s + 6);
            if (seq > last_posted_seq)
                last_posted_seq = seq;
        }
    }
    p->state = P_IDLE;
}

static void poster_io(struct ev_loop *loop, ev_io *w, int revents) {
    struct poster *p = (struct poster *)w;
    (void)loop;
    if (p->state == P_CONNECTING) {
        int error = 0;
        socklen_t size = sizeof(error);
        getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &error, &size);
        if (error) {
            post_error("connecting a poster failed");
            poster_close(p);
            return;
        }
        p->state = P_IDLE;
        ev_io_stop(ev_loop_, &p->io);
        ev_io_set(&p->io, p->fd, EV_READ);
        ev_io_start(ev_loop_, &p->io);
        try_post();
        return;
    }
    if ((revents & EV_WRITE) && p->state == P_BUSY && p->out_off < p->out_len)
        poster_flush(p);
    if (revents & EV_READ) {
        for (;;) {
            ssize_t n;
            long used;
            int status = 0;
            char body[2048];
            if (p->in_len == sizeof(p->in)) {
                post_error("response too large");
                poster_close(p);
                return;
            }
            n = read(p->fd, p->in + p->in_len, sizeof(p->in) - p->in_len);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
                /* the server closed the keep-alive connection */
                if (p->state == P_BUSY) {
                    posts_done++;
                    post_error("the server closed a poster's connection with a request in flight");
                }
                poster_close(p);
                post_reconnects++;
                try_post();
                return;
            }
            if (n < 0)
                break;
            p->in_len += (size_t)n;
            used = response_complete(p, &status, body, sizeof(body));
            if (used < 0) {
                post_error("unreadable response");
                poster_close(p);
                return;
            }
            if (used > 0) {
                memmove(p->in, p->in + used, p->in_len - (size_t)used);
                p->in_len -= (size_t)used;
                if (p->state == P_BUSY)
                    poster_response(p, status, body);
                try_post();
            }
        }
    }
}

/* MARK: posting schedule */

static long long min_viewer_entries(void) {
    long long least = -1;
    int k;
    for (k = 0; k < n_conns; k++) {
        if (conns[k].state != C_OPEN || !conns[k].got_hello)
            continue;
        if (least < 0 || conns[k].entries < least)
            least = conns[k].entries;
    }
    return least;
}

/* May entry posts_started + 1 start now? */
static int may_post(double t) {
    if (!posting || stop_requested)
        return 0;
    if (post_mode == POST_RATE) {
        long long due = (long long)((t - t_post_start) * post_rate) + 1;
        long long total = (long long)(post_rate * post_seconds + 0.5);
        return posts_started < due && posts_started < total;
    }
    if (t - t_post_start >= post_seconds)
        return 0;
    if (min_entries_cache >= 0 && posts_started - min_entries_cache >= post_window) {
        min_entries_cache = min_viewer_entries(); /* refresh before refusing */
        if (min_entries_cache >= 0 && posts_started - min_entries_cache >= post_window) {
            window_waits++;
            return 0;
        }
    }
    return 1;
}

static void try_post(void) {
    double t = now_sec();
    int k;
    if (!posting)
        return;
    if (mirror) {
        if (sender_ready && posts_started - sender_echoes < echo_window && may_post(t))
            lws_callback_on_writable(sender.wsi);
        return;
    }
    for (k = 0; k < n_posters; k++) {
        struct poster *p = &posters[k];
        if (p->state == P_CLOSED && !posting_over)
            poster_connect(p);
        if (p->state == P_IDLE && may_post(t))
            poster_send(p);
    }
}

static double rest_percentile_ms(double q) {
    long long target = (long long)(q * (double)rest_samples), seen = 0;
    int b;
    if (rest_samples == 0)
        return 0;
    if (target >= rest_samples)
        target = rest_samples - 1;
    for (b = 0; b < REST_BUCKETS; b++) {
        seen += rest_histogram[b];
        if (seen > target)
            return (double)(b + 1) * BUCKET_US / 1000.0;
    }
    return rest_max_ms;
}

static void check_posting_over(double t) {
    int over;
    if (!posting)
        return;
    if (post_mode == POST_RATE)
        over = posts_started >= (long long)(post_rate * post_seconds + 0.5);
    else
        over = t - t_post_start >= post_seconds;
    over = over || stop_requested;
    if (!over)
        return;
    if (posts_done < posts_started && t - t_post_start < post_seconds + 30)
        return; /* responses still in flight */
    posting = 0;
    posting_over = 1;
    t_post_end = t;
    printf("POSTED {\"posted\":%lld,\"lastSeq\":%lld,\"seconds\":%.3f,\"errors\":%lld,\"reconnects\":%lld,"
           "\"windowWaits\":%lld,\"restSamples\":%lld,\"restP50ms\":%.2f,\"restP99ms\":%.2f,\"restMaxms\":%.2f,"
           "\"firstError\":\"%s\"}\n",
           posts_ok, last_posted_seq, t_post_end - t_post_start, post_errors,
           post_reconnects, window_waits, rest_samples, rest_percentile_ms(0.5), rest_percentile_ms(0.99),
           rest_max_ms, first_post_error);
    fflush(stdout);
}

static void start_posting(void) {
    int k;
    if (post_mode == POST_NONE || posting)
        return;
    if (!ev_loop_) {
        fprintf(stderr, "posting needs the libev loop (not --poll)\n");
        return;
    }
    posts_started = posts_done = posts_ok = post_errors = post_reconnects = window_waits = 0;
    sender_echoes = 0;
    rest_samples = 0;
    rest_max_ms = 0;
    memset(rest_histogram, 0, sizeof(rest_histogram));
    first_post_error[0] = '\0';
    /* entries counted by viewers so far belong to earlier rounds */
    for (k = 0; k < n_conns; k++)
        conns[k].entries = 0;
    min_entries_cache = min_viewer_entries();
    posting = 1;
    posting_over = 0;
    stop_requested = 0;
    t_post_start = now_sec();
    try_post();
}

/* MARK: reporting */

static double percentile_ms(double q) {
    long long target = (long long)(q * (double)samples), seen = 0;
    int b;
    if (samples == 0)
        return 0;
    if (target >= samples)
        target = samples - 1;
    for (b = 0; b < BUCKETS; b++) {
        seen += histogram[b];
        if (seen > target)
            return (double)(b + 1) * BUCKET_US / 1000.0; /* upper edge of the bucket */
    }
    return max_latency_ms;
}

static void report(void) {
    long long complete = 0, incomplete = 0, expected;
    int k, first = 1;
    double window = t_last_delivery - t_first_delivery;
    double cpu = cpu_seconds() - cpu_at_round;
    for (k = 0; k < n_conns; k++) {
        if (done_last_seq >= 0 && conns[k].last_seq >= done_last_seq && conns[k].seq_errors == 0)
            complete++;
        else
            incomplete++;
    }
    expected = done_posted * (long long)ready_count;
    printf("RESULT {\"connections\":%d,\"ready\":%d,\"failed\":%d,\"connectRetries\":%d,"
           "\"connectSeconds\":%.3f,\"posted\":%lld,\"lastSeq\":%lld,\"expectedDeliveries\":%lld,"
           "\"delivered\":%lld,\"untimedEntries\":%lld,\"viewersComplete\":%lld,\"viewersIncomplete\":%lld,"
           "\"seqErrors\":%lld,\"deliveryWindowSeconds\":%.3f,\"deliveriesPerSecond\":%.1f,"
           "\"tFirst\":%.6f,\"tLast\":%.6f,\"entryBytes\":%lld,"
           "\"p50ms\":%.2f,\"p90ms\":%.2f,\"p99ms\":%.2f,\"p999ms\":%.2f,\"maxms\":%.2f,\"meanms\":%.2f,"
           "\"overflowSamples\":%lld,"
           "\"drainSeconds\":%.3f,\"frames\":%lld,\"fragmentedFrames\":%lld,\"malformedFrames\":%lld,"
           "\"viewersFrames\":%lld,\"pingFrames\":%lld,\"closed\":%d,\"closedWithoutFrame\":%d,\"resumes\":%d,"
           "\"loadCpuSeconds\":%.2f,\"closeCodes\":{",
           n_conns, ready_count, failed_count, connect_retries, t_ready > 0 ? t_ready - t_start : -1.0, done_posted,
           done_last_seq, expected, entry_frames, untimed_entry_frames, complete, incomplete, total_seq_errors,
           window, window > 0 ? (double)entry_frames / window : 0.0, t_first_delivery, t_last_delivery, entry_bytes,
           percentile_ms(0.50), percentile_ms(0.90), percentile_ms(0.99), percentile_ms(0.999), max_latency_ms,
           samples ? sum_latency_ms / (double)samples : 0, overflow_samples, t_done > 0 ? now_sec() - t_done : -1.0,
           frames_total, fragmented_frames, malformed_frames, viewers_frames, ping_frames, closed_count,
           closed_without_frame, resumes, cpu);
    for (k = 0; k < n_close_codes; k++)
        printf("%s\"%d\":%d", k ? "," : "", close_codes[k], close_code_counts[k]);
    /* the histogram, sparse: [[bucket, count], ...] (bucket k: k*10 us .. (k+1)*10 us) */
    printf("},\"bucketMicroseconds\":%d,\"histogram\":[", BUCKET_US);
    for (k = 0; k < BUCKETS; k++) {
        if (!histogram[k])
            continue;
        printf("%s[%d,%u]", first ? "" : ",", k, histogram[k]);
        first = 0;
    }
    printf("]}\n");
    fflush(stdout);
}

/* A new round: the figures start again; what the viewers know stays. */
static void reset_round(void) {
    int k;
    memset(histogram, 0, BUCKETS * sizeof(*histogram));
    samples = overflow_samples = 0;
    max_latency_ms = sum_latency_ms = 0;
    t_first_delivery = t_last_delivery = 0;
    frames_total = entry_frames = untimed_entry_frames = fragmented_frames = malformed_frames = 0;
    viewers_frames = ping_frames = total_seq_errors = entry_bytes = 0;
    closed_count = closed_without_frame = resumes = 0;
    n_close_codes = 0;
    for (k = 0; k < n_conns; k++)
        conns[k].seq_errors = 0;
    done_received = 0;
    done_last_seq = -1;
    done_posted = 0;
    t_done = 0;
    cpu_at_round = cpu_seconds();
}

static void announce_ready_if_complete(void) {
    if (!ready_announced && ready_count + failed_count >= n_conns && (!mirror || post_mode == POST_NONE || sender_ready)) {
        ready_announced = 1;
        t_ready = now_sec();
        cpu_at_round = cpu_seconds();
        printf("READY connections=%d failed=%d seconds=%.3f\n", ready_count, failed_count, t_ready - t_start);
        fflush(stdout);
    }
}

static int all_caught_up(void) {
    int k;
    for (k = 0; k < n_conns; k++) {
        if (conns[k].state == C_FAILED || (conns[k].state == C_CLOSED && !resume_enabled))
            continue;
        if (conns[k].last_seq < done_last_seq)
            return 0;
    }
    return 1;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report_resumed(int timed_out) {
    double p50 = 0, p99 = 0, last = 0;
    int failed = 0, k;
    qsort(resume_times, (size_t)resumed_count, sizeof(double), compare_doubles);
    if (resumed_count) {
        p50 = resume_times[(resumed_count - 1) / 2];
        p99 = resume_times[(int)((resumed_count - 1) * 0.99)];
        last = resume_times[resumed_count - 1];
    }
    for (k = 0; k < n_conns; k++)
        failed += conns[k].state == C_FAILED;
    printf("RESUMED {\"resumed\":%d,\"viewers\":%d,\"failed\":%d,\"timedOut\":%d,\"seconds\":%.3f,\"p50s\":%.3f,"
           "\"p99s\":%.3f,\"connectRetries\":%d,\"seqErrors\":%lld}\n",
           resumed_count, n_conns, failed, timed_out, last, p50, p99, connect_retries, total_seq_errors);
    fflush(stdout);
    resuming = 0;
    max_inflight = base_inflight;
}

static void start_resume(long long target) {
    int k;
    resume_target = target;
    resumed_count = 0;
    resuming = 1;
    t_resume = now_sec();
    connect_retries = 0;
    max_inflight = resume_inflight > 0 ? resume_inflight : n_conns;
    for (k = 0; k < n_conns; k++) {
        struct conn *c = &conns[k];
        c->resumed = 0;
        if (c->state == C_WAITING) {
            resumes++;
            c->since = c->last_seq > 0 ? c->last_seq : c->since;
            c->attempts = 0;
            c->state = C_IDLE;
        } else if (c->state == C_OPEN && c->got_hello) {
            check_resumed(c); /* never closed (should not happen) */
        }
    }
    waiting_count = 0;
    down_announced = 0;
    if (sender.state == C_WAITING) {
        sender.attempts = 0;
        open_conn(&sender);
    }
}

static void read_stdin(void) {
    char chunk[256];
    ssize_t got;
    while ((got = read(0, chunk, sizeof(chunk))) > 0) {
        ssize_t k;
        for (k = 0; k < got; k++) {
            if (chunk[k] == '\n') {
                stdin_line[stdin_len] = '\0';
                if (!strncmp(stdin_line, "DONE", 4) || !strncmp(stdin_line, "ROUND", 5)) {
                    int skip = stdin_line[0] == 'D' ? 4 : 5;
                    if (sscanf(stdin_line + skip, "%lld %lld", &done_last_seq, &done_posted) == 2) {
                        done_received = 1;
                        done_exit = stdin_line[0] == 'D';
                        t_done = now_sec();
                    }
                } else if (!strncmp(stdin_line, "GO", 2)) {
                    start_posting();
                } else if (!strncmp(stdin_line, "STOP", 4)) {
                    if (posting)
                        stop_requested = 1;
                } else if (!strncmp(stdin_line, "RESUME", 6)) {
                    long long target = 0;
                    sscanf(stdin_line + 6, "%lld", &target);
                    start_resume(target);
                } else if (!strncmp(stdin_line, "QUIT", 4)) {
                    finished = 1;
                } else if (!strncmp(stdin_line, "CLOSE", 5) && !closing_all) {
                    int j;
                    closing_all = 1;
                    t_closing = now_sec();
                    for (j = 0; j < n_conns; j++)
                        if (conns[j].wsi)
                            lws_callback_on_writable(conns[j].wsi);
                    if (sender.wsi)
                        lws_callback_on_writable(sender.wsi);
                }
                stdin_len = 0;
            } else if (stdin_len + 1 < sizeof(stdin_line)) {
                stdin_line[stdin_len++] = chunk[k];
            }
        }
    }
    if (got == 0) /* the runner went away */
        finished = 1;
}

static void tick(lws_sorted_usec_list_t *sul) {
    double t = now_sec();
    int k;
    read_stdin();
    /* open viewers (new ones and retries) while few handshakes are in flight */
    for (k = 0; k < n_conns && inflight < max_inflight && !finished; k++)
        if (conns[k].state == C_IDLE)
            open_conn(&conns[k]);
    if (mirror && post_mode != POST_NONE && sender.state == C_IDLE && !finished)
        open_conn(&sender);
    if (!ready_announced && t - t_start > connect_timeout) {
        fprintf(stderr, "connect timeout: %d of %d viewers got hello after %.0f s\n", ready_count, n_conns,
                connect_timeout);
        ready_announced = 1;
        t_ready = t;
        cpu_at_round = cpu_seconds();
        printf("READY connections=%d failed=%d seconds=%.3f timeout\n", ready_count, n_conns - ready_count,
               t - t_start);
        fflush(stdout);
    }
    if (posting) {
        min_entries_cache = min_viewer_entries();
        try_post();
        check_posting_over(t);
    }
    if (storm_enabled && !down_announced && !resuming && ready_announced && waiting_count > 0 &&
        waiting_count >= ready_count - failed_count) {
        down_announced = 1;
        printf("DOWN closed=%d\n", waiting_count);
        fflush(stdout);
    }
    if (resuming) {
        int failed = 0;
        for (k = 0; k < n_conns; k++)
            failed += conns[k].state == C_FAILED;
        if (resumed_count + failed >= n_conns)
            report_resumed(0);
        else if (t - t_resume > connect_timeout)
            report_resumed(1);
    }
    if (done_received && (all_caught_up() || t - t_done > drain_timeout)) {
        report();
        if (done_exit)
            finished = 1;
        else
            reset_round();
    }
    if (closing_all) {
        int open = 0;
        for (k = 0; k < n_conns; k++)
            open += conns[k].wsi != NULL;
        if (open == 0 || t - t_closing > 10) {
            printf("CLOSED %d viewers with 1000, %d still open\n", closed_by_us, open);
            fflush(stdout);
            finished = 1;
        }
    }
    if (!finished)
        lws_sul_schedule(context, 0, sul, tick, (posting || resuming ? 1 : 5) * LWS_US_PER_MS);
    else if (ev_loop_)
        ev_break(ev_loop_, EVBREAK_ALL);
    else
        lws_cancel_service(context);
}

/* MARK: main */

static void raise_fd_limit(int wanted) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur >= (rlim_t)wanted)
        return;
    if (rl.rlim_max < (rlim_t)wanted)
        rl.rlim_max = (rlim_t)wanted; /* root only */
    rl.rlim_cur = (rlim_t)wanted;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        getrlimit(RLIMIT_NOFILE, &rl);
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
        fprintf(stderr, "warning: could not raise RLIMIT_NOFILE to %d (%s); using %llu\n", wanted, strerror(errno),
                (unsigned long long)rl.rlim_cur);
    }
}

static void usage(void) {
    fprintf(stderr,
            "usage: lws_load --port P (--interview ID | --mirror) --connections N [--host H] [--since S]\n"
            "                [--inflight K] [--connect-timeout S] [--drain-timeout S] [--resume] [--poll]\n"
            "                [--storm] [--resume-inflight K]\n"
            "                [--post-mode none|rate|saturate] [--rate R] [--seconds S] [--window W]\n"
            "                [--posters P] [--cookie C] [--csrf T] [--post-port P] [--mirror-bytes B]\n");
    exit(1);
}

int main(int argc, char **argv) {
    struct lws_context_creation_info info;
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--resume")) {
            resume_enabled = 1;
            continue;
        }
        if (!strcmp(a, "--poll")) {
            use_poll = 1;
            continue;
        }
        if (!strcmp(a, "--mirror")) {
            mirror = 1;
            continue;
        }
        if (!strcmp(a, "--storm")) {
            storm_enabled = 1;
            continue;
        }
        if (!v)
            usage();
        if (!strcmp(a, "--host"))
            host = v;
        else if (!strcmp(a, "--port"))
            port = atoi(v);
        else if (!strcmp(a, "--post-port"))
            post_port = atoi(v);
        else if (!strcmp(a, "--interview"))
            interview_id = atoll(v);
        else if (!strcmp(a, "--connections"))
            n_conns = atoi(v);
        else if (!strcmp(a, "--since"))
            since0 = atoll(v);
        else if (!strcmp(a, "--inflight"))
            max_inflight = atoi(v);
        else if (!strcmp(a, "--resume-inflight"))
            resume_inflight = atoi(v);
        else if (!strcmp(a, "--connect-timeout"))
            connect_timeout = atof(v);
        else if (!strcmp(a, "--drain-timeout"))
            drain_timeout = atof(v);
        else if (!strcmp(a, "--post-mode")) {
            if (!strcmp(v, "none"))
                post_mode = POST_NONE;
            else if (!strcmp(v, "rate"))
                post_mode = POST_RATE;
            else if (!strcmp(v, "saturate"))
                post_mode = POST_SATURATE;
            else
                usage();
        } else if (!strcmp(a, "--rate"))
            post_rate = atof(v);
        else if (!strcmp(a, "--seconds"))
            post_seconds = atof(v);
        else if (!strcmp(a, "--window"))
            post_window = atoi(v);
        else if (!strcmp(a, "--posters"))
            n_posters = atoi(v);
        else if (!strcmp(a, "--cookie"))
            cookie = v;
        else if (!strcmp(a, "--csrf"))
            csrf = v;
        else if (!strcmp(a, "--echo-window"))
            echo_window = atoi(v);
        else if (!strcmp(a, "--mirror-bytes"))
            mirror_bytes = atoi(v);
        else
            usage();
        i++;
    }
    if (port <= 0 || (!mirror && interview_id < 0) || n_conns < 0 || n_conns > 200000 || max_inflight <= 0 ||
        (n_conns == 0 && post_mode == POST_NONE) || n_posters < 1 || n_posters > MAX_POSTERS || post_window < 1 ||
        post_rate <= 0 || mirror_bytes < 80 || mirror_bytes > 128)
        usage();
    if (post_mode != POST_NONE && use_poll) {
        fprintf(stderr, "posting needs the libev loop: drop --poll\n");
        return 1;
    }
    base_inflight = max_inflight;

    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit(n_conns + 256);
    fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
    lws_set_log_level(LLL_ERR, NULL);

    conns = calloc((size_t)(n_conns ? n_conns : 1), sizeof(*conns));
    resume_times = calloc((size_t)(n_conns ? n_conns : 1), sizeof(*resume_times));
    histogram = calloc(BUCKETS, sizeof(*histogram));
    if (!conns || !histogram || !resume_times) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (i = 0; i < n_conns; i++) {
        conns[i].index = i;
        conns[i].since = since0;
        conns[i].next_seq = -1;
        conns[i].last_seq = since0;
    }
    sender.index = -1;
    sender.state = C_CLOSED;
    if (mirror && post_mode != POST_NONE)
        sender.state = C_IDLE;
    for (i = 0; i < MAX_POSTERS; i++) {
        posters[i].fd = -1;
        posters[i].state = P_CLOSED;
    }

    live_context_info(&info, protocols);
    info.fd_limit_per_thread = (unsigned int)n_conns + 64 + MAX_POSTERS;
    {
        int pool = (resume_inflight > max_inflight ? resume_inflight : max_inflight) + 16;
        if (storm_enabled && resume_inflight <= 0)
            pool = n_conns + 16;
        info.max_http_header_pool = (unsigned short)(pool > 60000 ? 60000 : pool);
    }
    info.timeout_secs = 60;
    info.connect_timeout_secs = 30;
    if (!use_poll) {
        /* poll() over 10,000 sockets costs more than the frames themselves;
         * libev (epoll) wakes up only for the ready ones. */
        static void *foreign_loops[1];
        ev_loop_ = ev_loop_new(EVBACKEND_EPOLL);
        if (!ev_loop_) {
            fprintf(stderr, "ev_loop_new(EVBACKEND_EPOLL) failed\n");
            return 1;
        }
        foreign_loops[0] = ev_loop_;
        info.options |= LWS_SERVER_OPTION_LIBEV;
        info.foreign_loops = foreign_loops;
    }
    context = lws_create_context(&info);
    if (!context) {
        fprintf(stderr, "lws_create_context failed\n");
        return 1;
    }

    t_start = now_sec();
    if (n_conns == 0)
        announce_ready_if_complete();
    lws_sul_schedule(context, 0, &tick_sul, tick, 1 * LWS_US_PER_MS);
    if (ev_loop_) {
        ev_run(ev_loop_, 0); /* until the tick calls ev_break */
    } else {
        while (!finished) {
            if (lws_service(context, 0) < 0)
                break;
        }
    }
    if (!ready_announced) {
        printf("READY connections=%d failed=%d seconds=%.3f aborted\n", ready_count, failed_count,
               now_sec() - t_start);
    }
    if (!done_received || !done_exit)
        report();
    finished = 1;
    lws_sul_cancel(&tick_sul);
    if (!ev_loop_)
        lws_context_destroy(context);
    /* with libev the sockets simply close at exit */
    return 0;
}
