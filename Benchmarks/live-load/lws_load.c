/*
 * lws_load: many Wenzheng interview viewers in one process (libwebsockets
 * client API, one context, one service loop), measuring post-to-delivery
 * latency of transcript entries. Driven by run.py; see README.md.
 *
 *   lws_load --port P --interview ID --connections N [options]
 *
 * Options:
 *   --host H            server address (default 127.0.0.1)
 *   --since S           since= of every viewer (default 0)
 *   --inflight K        at most K handshakes in progress at once (default 100)
 *   --connect-timeout S give up waiting for all hellos after S s (default 180)
 *   --drain-timeout S   after DONE, wait at most S s for stragglers (default 20)
 *   --resume            on close 4000/1001 reconnect with since = last seq
 *                       (counted); default: a closed viewer stays closed
 *   --poll              use lws' built-in poll() loop instead of libev/epoll
 *
 * Protocol with the runner (stdout / stdin, one line each):
 *   -> "READY connections=N failed=F seconds=T"   every viewer got hello
 *   <- "DONE LASTSEQ POSTED"   posting is over; LASTSEQ is the last seq
 *                              posted, POSTED the number of timed entries
 *   -> "RESULT {json}"         figures, then the process exits
 *   <- "QUIT"                  exit now (report what there is)
 *   <- "CLOSE"                 close every viewer with 1000, print
 *                              "CLOSED ...", report and exit
 *
 * Every entry whose body is "t=<CLOCK_MONOTONIC ns>" (stamped by the poster
 * on the same machine just before it sends the REST request) yields one
 * latency sample per viewer: receive time - stamp. Samples go into a
 * histogram of 10 us buckets (exact max kept separately).
 *
 * Event loop: libev on epoll (LWS_SERVER_OPTION_LIBEV with a foreign loop;
 * Debian's libwebsockets loads its libev plugin), since lws' default poll()
 * loop rescans every socket per wakeup; --poll selects the default loop.
 *
 * Build: cc -O2 -Wall -I Tests/support -o lws_load Benchmarks/live-load/lws_load.c -lwebsockets -lev
 */

#include <libwebsockets.h>
#include <ev.h>

#include "live_client.h"
#include "live_frames.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define BUCKET_US 10
#define BUCKETS (3 * 1000 * 1000) /* 10 us .. 30 s */
#define MAX_FRAME (1024 * 1024)
#define MAX_CODES 16

enum conn_state { C_IDLE, C_CONNECTING, C_OPEN, C_CLOSED, C_FAILED };

struct conn {
    struct lws *wsi;
    int index;
    enum conn_state state;
    int attempts;
    int got_hello;
    int counted_ready;
    long long since;
    long long next_seq;  /* next expected seq; -1 until the first one */
    long long last_seq;
    long long entries;   /* timed entries received */
    long long seq_errors;
    char *buf;           /* reassembly of fragmented frames, lazily allocated */
    size_t len;
    int closing_code;
};

/* MARK: options and state */

static const char *host = "127.0.0.1";
static int port;
static long long interview_id = -1;
static int n_conns;
static long long since0;
static int max_inflight = 100;
static double connect_timeout = 180, drain_timeout = 20;
static int resume_enabled;
static int use_poll; /* --poll: lws' built-in poll() loop instead of libev */
static struct ev_loop *ev_loop_;

static struct lws_context *context;
static struct conn *conns;
static lws_sorted_usec_list_t tick_sul;
static int finished;

static int inflight, ready_count, failed_count;
static int ready_announced;
static double t_start, t_ready, t_done;
static int done_received;
static int closing_all;      /* CLOSE: every viewer sends close 1000 */
static double t_closing;
static int closed_by_us;
static double cpu_at_ready;
static long long done_last_seq = -1, done_posted;
static int closed_count, resumes, connect_retries;
static int close_codes[MAX_CODES], close_code_counts[MAX_CODES], n_close_codes;
static int closed_without_frame;

static uint32_t *histogram;
static long long samples, overflow_samples;
static double max_latency_ms = 0, sum_latency_ms = 0;
static double t_first_delivery, t_last_delivery;
static long long frames_total, entry_frames, untimed_entry_frames, fragmented_frames, malformed_frames;
static long long viewers_frames, ping_frames, total_seq_errors;

static char stdin_line[256];
static size_t stdin_len;

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

static void open_conn(struct conn *c) {
    struct lws_client_connect_info ccinfo;
    struct live_address address;
    live_connect_info(&ccinfo, &address, context, host, port, interview_id, c->since);
    ccinfo.local_protocol_name = "wenzheng-load";
    ccinfo.opaque_user_data = c;
    ccinfo.pwsi = &c->wsi;
    c->state = C_CONNECTING;
    c->attempts++;
    inflight++;
    if (!lws_client_connect_via_info(&ccinfo)) {
        /* CONNECTION_ERROR may or may not have been called */
        if (c->state == C_CONNECTING) {
            c->state = C_FAILED;
            inflight--;
            failed_count++;
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

static void handle_frame(struct conn *c, const char *p, size_t n) {
    struct frame_info info;
    frames_total++;
    memset(&info, 0, sizeof(info));
    if (scan_object(p, n, &info) != 0) {
        malformed_frames++;
        return;
    }
    if (!strcmp(info.frame.type, "hello")) {
        if (!c->got_hello) {
            c->got_hello = 1;
            if (!c->counted_ready) {
                c->counted_ready = 1;
                ready_count++;
            }
            inflight--;
            announce_ready_if_complete();
        }
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

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    struct conn *c = (struct conn *)lws_get_opaque_user_data(wsi);
    (void)user;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (!c)
            break;
        c->wsi = NULL;
        if (c->state == C_CONNECTING)
            inflight--;
        if (c->attempts < 3 && !finished) {
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
        if (c)
            c->state = C_OPEN;
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
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (!c)
            break;
        c->wsi = NULL;
        if (finished)
            break;
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
        if (resume_enabled && (c->closing_code == 4000 || c->closing_code == 1001)) {
            resumes++;
            c->since = c->last_seq > 0 ? c->last_seq : c->since;
            c->got_hello = 0;
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
    int k;
    double window = t_last_delivery - t_first_delivery;
    double cpu = cpu_seconds() - cpu_at_ready; /* after all viewers connected */
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
           "\"p50ms\":%.2f,\"p90ms\":%.2f,\"p99ms\":%.2f,\"p999ms\":%.2f,\"maxms\":%.2f,\"meanms\":%.2f,"
           "\"drainSeconds\":%.3f,\"frames\":%lld,\"fragmentedFrames\":%lld,\"malformedFrames\":%lld,"
           "\"viewersFrames\":%lld,\"pingFrames\":%lld,\"closed\":%d,\"closedWithoutFrame\":%d,\"resumes\":%d,"
           "\"loadCpuSeconds\":%.2f,\"closeCodes\":{",
           n_conns, ready_count, failed_count, connect_retries, t_ready > 0 ? t_ready - t_start : -1.0, done_posted,
           done_last_seq, expected, entry_frames, untimed_entry_frames, complete, incomplete, total_seq_errors,
           window, window > 0 ? (double)entry_frames / window : 0.0, percentile_ms(0.50), percentile_ms(0.90),
           percentile_ms(0.99), percentile_ms(0.999), max_latency_ms, samples ? sum_latency_ms / (double)samples : 0,
           t_done > 0 ? now_sec() - t_done : -1.0, frames_total, fragmented_frames, malformed_frames, viewers_frames,
           ping_frames, closed_count, closed_without_frame, resumes, cpu);
    for (k = 0; k < n_close_codes; k++)
        printf("%s\"%d\":%d", k ? "," : "", close_codes[k], close_code_counts[k]);
    printf("}}\n");
    fflush(stdout);
}

static void announce_ready_if_complete(void) {
    if (!ready_announced && ready_count + failed_count >= n_conns) {
        ready_announced = 1;
        t_ready = now_sec();
        cpu_at_ready = cpu_seconds();
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

static void read_stdin(void) {
    char chunk[256];
    ssize_t got;
    while ((got = read(0, chunk, sizeof(chunk))) > 0) {
        ssize_t k;
        for (k = 0; k < got; k++) {
            if (chunk[k] == '\n') {
                stdin_line[stdin_len] = '\0';
                if (!strncmp(stdin_line, "DONE", 4)) {
                    if (sscanf(stdin_line + 4, "%lld %lld", &done_last_seq, &done_posted) == 2) {
                        done_received = 1;
                        t_done = now_sec();
                    }
                } else if (!strncmp(stdin_line, "QUIT", 4)) {
                    finished = 1;
                } else if (!strncmp(stdin_line, "CLOSE", 5) && !closing_all) {
                    int k;
                    closing_all = 1;
                    t_closing = now_sec();
                    for (k = 0; k < n_conns; k++)
                        if (conns[k].wsi)
                            lws_callback_on_writable(conns[k].wsi);
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
    if (!ready_announced && t - t_start > connect_timeout) {
        fprintf(stderr, "connect timeout: %d of %d viewers got hello after %.0f s\n", ready_count, n_conns,
                connect_timeout);
        ready_announced = 1;
        t_ready = t;
        cpu_at_ready = cpu_seconds();
        printf("READY connections=%d failed=%d seconds=%.3f timeout\n", ready_count, n_conns - ready_count,
               t - t_start);
        fflush(stdout);
    }
    if (done_received && (all_caught_up() || t - t_done > drain_timeout))
        finished = 1;
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
        lws_sul_schedule(context, 0, sul, tick, 5 * LWS_US_PER_MS);
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
    fprintf(stderr, "usage: lws_load --port P --interview ID --connections N [--host H] [--since S]\n"
                    "                [--inflight K] [--connect-timeout S] [--drain-timeout S] [--resume] [--poll]\n");
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
        if (!v)
            usage();
        if (!strcmp(a, "--host"))
            host = v;
        else if (!strcmp(a, "--port"))
            port = atoi(v);
        else if (!strcmp(a, "--interview"))
            interview_id = atoll(v);
        else if (!strcmp(a, "--connections"))
            n_conns = atoi(v);
        else if (!strcmp(a, "--since"))
            since0 = atoll(v);
        else if (!strcmp(a, "--inflight"))
            max_inflight = atoi(v);
        else if (!strcmp(a, "--connect-timeout"))
            connect_timeout = atof(v);
        else if (!strcmp(a, "--drain-timeout"))
            drain_timeout = atof(v);
        else
            usage();
        i++;
    }
    if (port <= 0 || interview_id < 0 || n_conns <= 0 || n_conns > 200000 || max_inflight <= 0)
        usage();

    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit(n_conns + 256);
    fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
    lws_set_log_level(LLL_ERR, NULL);

    conns = calloc((size_t)n_conns, sizeof(*conns));
    histogram = calloc(BUCKETS, sizeof(*histogram));
    if (!conns || !histogram) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (i = 0; i < n_conns; i++) {
        conns[i].index = i;
        conns[i].since = since0;
        conns[i].next_seq = -1;
        conns[i].last_seq = since0;
    }

    live_context_info(&info, protocols);
    info.fd_limit_per_thread = (unsigned int)n_conns + 64;
    info.max_http_header_pool = (unsigned short)(max_inflight + 16);
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
    report();
    finished = 1;
    lws_sul_cancel(&tick_sul);
    if (!ev_loop_)
        lws_context_destroy(context);
    /* with libev the sockets simply close at exit */
    return 0;
}
