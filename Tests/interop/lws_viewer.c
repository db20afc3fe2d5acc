/*
 * lws_viewer: an interview viewer written against libwebsockets' client API,
 * used to check that Wenzheng's live socket interoperates with an
 * independent WebSocket implementation (docs/live-protocol.md).
 *
 * It connects to  ws://HOST:PORT/live/interviews/ID?since=SINCE,  reads the
 * JSON text frames (reassembling frames that libwebsockets delivers in
 * several LWS_CALLBACK_CLIENT_RECEIVE calls), and checks that the frames
 * carrying a top-level "seq" (entry, correction, status: they share one
 * sequence) arrive as SINCE+1, SINCE+2, ... with no gap and no duplicate.
 *
 * Usage:
 *   lws_viewer [options] HOST PORT ID SINCE COUNT TIMEOUT
 *   lws_viewer [options] --until-seq N HOST PORT ID SINCE TIMEOUT
 *
 *   COUNT             stop after this many sequenced events
 *   --until-seq N     stop once the event with seq N has arrived
 *   TIMEOUT           seconds (decimal allowed) before giving up
 *
 * Options:
 *   --linger SEC      after the target is reached, keep listening SEC
 *                     seconds; any further sequenced event is an error
 *                     (proves "exactly once": nothing extra arrives)
 *   --log FILE        write every frame received, one JSON object a line
 *   --rx-buffer N     libwebsockets rx buffer size of the protocol; a small
 *                     value (e.g. 64) makes lws hand every frame over in
 *                     many fragments, exercising the reassembly
 *   --verbose         print every frame
 *
 * Output: "hello lastSeq=N status=S" once the hello frame arrives, then on
 * success a line
 *   received 120 events, seq 1..120, no gaps, no duplicates
 * and exit status 0. Failures print "error: ..." on stderr and exit with
 *   1 usage, 2 connection failed / handshake refused, 3 gap or duplicate,
 *   4 timeout, 5 the server closed the connection (its close code is
 *   printed), 6 malformed frame.
 *
 * Build: cc -O2 -Wall -I Tests/support -o lws_viewer Tests/interop/lws_viewer.c -lwebsockets
 */

#include <libwebsockets.h>

#include "live_client.h"
#include "live_frames.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    EXIT_OK = 0,
    EXIT_USAGE = 1,
    EXIT_CONNECT = 2,
    EXIT_SEQUENCE = 3,
    EXIT_TIMEOUT = 4,
    EXIT_CLOSED = 5,
    EXIT_MALFORMED = 6,
};

#define MAX_FRAME (1024 * 1024)

/* MARK: Configuration and state */

static const char *host;
static int port;
static long long interview_id;
static long long since;
static long long expect_count = -1; /* sequenced events to wait for */
static long long until_seq = -1;
static double timeout_sec;
static double linger_sec;
static const char *log_path;
static size_t rx_buffer_size;
static int verbose;

static struct lws_context *context;
static struct lws *client_wsi;
static FILE *log_file;
static lws_sorted_usec_list_t tick_sul;

static int finished;       /* leave the service loop */
static int exit_status = -1;
static int target_reached; /* all expected events are in */
static int closing;        /* we asked lws to close the socket */
static int connected;
static int got_hello;
static double start_time, target_time, close_requested_time;

static char *frame_buf;
static size_t frame_len;
static unsigned long fragmented_frames; /* frames that came in >1 callback */
static unsigned long frame_parts;

static long long expected_next;          /* next seq we must see */
static long long received_events;        /* frames with a seq */
static long long first_seq = -1, last_seq = -1;
static unsigned long count_entry, count_correction, count_status;
static unsigned long count_viewers, count_ping, count_other_typed;
static unsigned long count_frames;

static double now_sec(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void close_politely(void) {
    /* Close with 1000 if the socket is still up; the loop ends on CLOSED
     * (or, if the close handshake hangs, from the tick after 2 s). */
    if (client_wsi && !closing) {
        closing = 1;
        close_requested_time = now_sec();
        lws_callback_on_writable(client_wsi);
    } else if (!client_wsi) {
        finished = 1;
    }
}

static void finish(int status) {
    if (exit_status < 0)
        exit_status = status;
    close_politely();
}

static void fail(int status, const char *format, ...) {
    va_list args;
    if (exit_status >= 0)
        return;
    fprintf(stderr, "error: ");
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\n");
    fflush(stderr);
    exit_status = status;
    close_politely();
}

/* MARK: Minimal JSON scanning (Tests/support/live_frames.h)
 *
 * Only the top level of the object is interpreted: "type" (a string),
 * "seq" and "lastSeq" (integers), and the status inside hello's
 * "interview". Everything else, including the nested "entry" object (which
 * repeats "seq"), is skipped. */

struct frame_info {
    struct lf_frame frame;
    int has_last_seq;
    long long last_seq;
    char status[32];
};

static size_t visit_interview(const char *key, const char *p, size_t n, size_t i, void *context) {
    struct frame_info *info = context;
    if (!strcmp(key, "status") && i < n && p[i] == '"')
        return lf_read_string(p, n, i, info->status, sizeof(info->status));
    return 0;
}

static size_t visit_frame(const char *key, const char *p, size_t n, size_t i, void *context) {
    struct frame_info *info = context;
    size_t next = lf_read_frame_member(key, p, n, i, &info->frame);
    if (next)
        return next;
    if (!strcmp(key, "status") && i < n && p[i] == '"') {
        next = lf_read_string(p, n, i, info->status, sizeof(info->status));
    } else if (!strcmp(key, "lastSeq")) {
        next = lf_read_integer(p, n, i, &info->last_seq);
        info->has_last_seq = next != 0;
    } else if (!strcmp(key, "interview")) {
        /* hello: pick the interview's status out of the nested object */
        next = lf_walk_member_object(p, n, i, visit_interview, info);
    }
    return next;
}

/* 0 on success, -1 if the frame is not a JSON object we can walk. */
static int scan_frame(const char *p, size_t n, struct frame_info *info) {
    memset(info, 0, sizeof(*info));
    return lf_walk_object(p, n, visit_frame, info);
}

/* MARK: Frame handling */

static int target_met(void) {
    if (until_seq >= 0)
        return expected_next > until_seq;
    return received_events >= expect_count;
}

static void check_target(void) {
    if (!target_reached && got_hello && target_met()) {
        target_reached = 1;
        target_time = now_sec();
        if (linger_sec <= 0)
            finish(EXIT_OK);
    }
}

static void handle_frame(const char *p, size_t n) {
    struct frame_info info;
    count_frames++;
    if (verbose)
        printf("frame: %.*s\n", (int)(n > 400 ? 400 : n), p);
    if (log_file) {
        /* one frame per line; a raw newline can only be JSON whitespace */
        size_t k;
        for (k = 0; k < n; k++)
            fputc(p[k] == '\n' || p[k] == '\r' ? ' ' : p[k], log_file);
        fputc('\n', log_file);
        fflush(log_file);
    }
    if (scan_frame(p, n, &info) != 0) {
        fail(EXIT_MALFORMED, "malformed frame (%zu bytes): %.*s", n, (int)(n > 200 ? 200 : n), p);
        return;
    }
    if (!strcmp(info.frame.type, "hello")) {
        if (got_hello) {
            fail(EXIT_MALFORMED, "a second hello frame arrived");
            return;
        }
        got_hello = 1;
        printf("hello lastSeq=%lld status=%s\n", info.has_last_seq ? info.last_seq : -1LL,
               info.status[0] ? info.status : "?");
        fflush(stdout);
        check_target();
        return;
    }
    if (!got_hello) {
        fail(EXIT_MALFORMED, "first frame is not hello: %.*s", (int)(n > 200 ? 200 : n), p);
        return;
    }
    if (!info.frame.has_seq) {
        if (!strcmp(info.frame.type, "viewers"))
            count_viewers++;
        else if (!strcmp(info.frame.type, "ping"))
            count_ping++;
        else
            count_other_typed++;
        return;
    }

    if (!strcmp(info.frame.type, "entry"))
        count_entry++;
    else if (!strcmp(info.frame.type, "correction"))
        count_correction++;
    else if (!strcmp(info.frame.type, "status"))
        count_status++;
    else
        count_other_typed++;

    if (target_reached) {
        fail(EXIT_SEQUENCE, "unexpected extra event after the target: seq %lld (%s); last seq was %lld",
             info.frame.seq, info.frame.type, last_seq);
        return;
    }
    if (info.frame.seq != expected_next) {
        if (info.frame.seq > expected_next)
            fail(EXIT_SEQUENCE, "gap: expected seq %lld, got %lld (%s); %lld events received before it",
                 expected_next, info.frame.seq, info.frame.type, received_events);
        else
            fail(EXIT_SEQUENCE, "duplicate or out-of-order event: expected seq %lld, got %lld (%s)",
                 expected_next, info.frame.seq, info.frame.type);
        return;
    }
    if (first_seq < 0)
        first_seq = info.frame.seq;
    last_seq = info.frame.seq;
    expected_next++;
    received_events++;
    check_target();
}

static void receive_fragment(struct lws *wsi, const void *in, size_t len) {
    if (lws_is_first_fragment(wsi) && frame_len != 0) {
        /* A new message started while one was incomplete: cannot happen
         * with a conforming server (no interleaving in RFC 6455). */
        fail(EXIT_MALFORMED, "new message began before the previous one (%zu bytes) ended", frame_len);
        return;
    }
    if (frame_len + len > MAX_FRAME) {
        fail(EXIT_MALFORMED, "frame larger than %d bytes", MAX_FRAME);
        return;
    }
    memcpy(frame_buf + frame_len, in, len);
    frame_len += len;
    frame_parts++;
    if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
        if (frame_parts > 1)
            fragmented_frames++;
        if (lws_frame_is_binary(wsi))
            fail(EXIT_MALFORMED, "binary frame received; the protocol uses text frames");
        else
            handle_frame(frame_buf, frame_len);
        frame_len = 0;
        frame_parts = 0;
    }
}

static const char *close_code_meaning(int code) {
    switch (code) {
    case 1000: return "normal closure";
    case 1001: return "server going away";
    case 1007: return "invalid UTF-8 from the client";
    case 1008: return "policy violation";
    case 1009: return "client frame too large";
    case 1011: return "server error";
    case 4000: return "too slow: outbound queue overflowed, resume with since";
    case 4404: return "no such interview";
    default: return "unknown";
    }
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    (void)user;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        client_wsi = NULL;
        fail(EXIT_CONNECT, "connection to ws://%s:%d/live/interviews/%lld?since=%lld failed: %s", host, port,
             interview_id, since, in ? (const char *)in : "(no reason given)");
        finished = 1;
        break;

    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        connected = 1;
        printf("connected\n");
        fflush(stdout);
        break;

    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (exit_status < 0 || target_reached)
            receive_fragment(wsi, in, len);
        break;

    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
        int code = -1;
        const unsigned char *b = in;
        if (len >= 2)
            code = (b[0] << 8) | b[1];
        printf("server closed the connection: close code %d (%s)%s%.*s\n", code,
               code < 0 ? "none" : close_code_meaning(code), len > 2 ? ", reason: " : "",
               len > 2 ? (int)(len - 2) : 0, len > 2 ? (const char *)in + 2 : "");
        fflush(stdout);
        if (!target_reached || exit_status >= 0)
            fail(EXIT_CLOSED, "server closed the connection with code %d (%s) after %lld events (last seq %lld)",
                 code, code < 0 ? "none" : close_code_meaning(code), received_events, last_seq);
        else if (linger_sec > 0)
            finish(EXIT_OK); /* closing during the linger is not an extra event */
        break;
    }

    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (closing) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"bye", 3);
            return -1;
        }
        break;

    case LWS_CALLBACK_CLIENT_CLOSED:
        client_wsi = NULL;
        if (!closing && exit_status < 0) {
            if (target_reached)
                finish(EXIT_OK);
            else
                fail(EXIT_CLOSED,
                     "connection closed without a close frame after %lld events (last seq %lld)",
                     received_events, last_seq);
        }
        finished = 1;
        break;

    default:
        break;
    }
    return 0;
}

static struct lws_protocols protocols[] = {
    {"wenzheng-viewer", callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* Every 50 ms: deadlines. */
static void tick(lws_sorted_usec_list_t *sul) {
    double t = now_sec();
    if (closing) {
        if (t - close_requested_time > 2.0)
            finished = 1; /* the close handshake hangs: just leave */
    } else if (target_reached && linger_sec > 0 && t - target_time >= linger_sec) {
        finish(EXIT_OK);
    } else if (!target_reached && t - start_time >= timeout_sec) {
        if (!connected)
            fail(EXIT_TIMEOUT, "timeout after %.1f s: the WebSocket handshake did not complete", timeout_sec);
        else if (!got_hello)
            fail(EXIT_TIMEOUT, "timeout after %.1f s: no hello frame", timeout_sec);
        else if (until_seq >= 0)
            fail(EXIT_TIMEOUT, "timeout after %.1f s: received %lld events (last seq %lld), waiting for seq %lld",
                 timeout_sec, received_events, last_seq, until_seq);
        else
            fail(EXIT_TIMEOUT, "timeout after %.1f s: received %lld of %lld events (last seq %lld)", timeout_sec,
                 received_events, expect_count, last_seq);
    }
    if (!finished)
        lws_sul_schedule(context, 0, sul, tick, 50 * LWS_US_PER_MS);
    else
        lws_cancel_service(context);
}

static void usage(void) {
    fprintf(stderr, "usage: lws_viewer [--linger SEC] [--log FILE] [--rx-buffer N] [--verbose]\n"
                    "                  HOST PORT ID SINCE COUNT TIMEOUT\n"
                    "       lws_viewer [options] --until-seq N HOST PORT ID SINCE TIMEOUT\n");
    exit(EXIT_USAGE);
}

static long long parse_ll(const char *s, const char *what) {
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *s == '\0' || *end != '\0' || v < 0) {
        fprintf(stderr, "error: %s must be a non-negative integer, got '%s'\n", what, s);
        exit(EXIT_USAGE);
    }
    return v;
}

static double parse_seconds(const char *s, const char *what) {
    char *end;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || !(v >= 0)) {
        fprintf(stderr, "error: %s must be a number of seconds, got '%s'\n", what, s);
        exit(EXIT_USAGE);
    }
    return v;
}

int main(int argc, char **argv) {
    struct lws_context_creation_info info;
    struct lws_client_connect_info ccinfo;
    const char *positional[6];
    int npos = 0, i;
    struct live_address address;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--until-seq") && i + 1 < argc)
            until_seq = parse_ll(argv[++i], "--until-seq");
        else if (!strcmp(argv[i], "--linger") && i + 1 < argc)
            linger_sec = parse_seconds(argv[++i], "--linger");
        else if (!strcmp(argv[i], "--log") && i + 1 < argc)
            log_path = argv[++i];
        else if (!strcmp(argv[i], "--rx-buffer") && i + 1 < argc)
            rx_buffer_size = (size_t)parse_ll(argv[++i], "--rx-buffer");
        else if (!strcmp(argv[i], "--verbose"))
            verbose = 1;
        else if (argv[i][0] == '-' && argv[i][1] == '-')
            usage();
        else if (npos < 6)
            positional[npos++] = argv[i];
        else
            usage();
    }
    if (npos != (until_seq >= 0 ? 5 : 6))
        usage();
    host = positional[0];
    port = (int)parse_ll(positional[1], "PORT");
    interview_id = parse_ll(positional[2], "ID");
    since = parse_ll(positional[3], "SINCE");
    if (until_seq < 0) {
        expect_count = parse_ll(positional[4], "COUNT");
        timeout_sec = parse_seconds(positional[5], "TIMEOUT");
    } else {
        timeout_sec = parse_seconds(positional[4], "TIMEOUT");
    }
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "error: PORT out of range\n");
        return EXIT_USAGE;
    }
    expected_next = since + 1;
    if (rx_buffer_size)
        protocols[0].rx_buffer_size = rx_buffer_size;

    frame_buf = malloc(MAX_FRAME);
    if (!frame_buf) {
        fprintf(stderr, "error: out of memory\n");
        return EXIT_USAGE;
    }
    if (log_path) {
        log_file = fopen(log_path, "w");
        if (!log_file) {
            fprintf(stderr, "error: cannot write %s: %s\n", log_path, strerror(errno));
            return EXIT_USAGE;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    lws_set_log_level(LLL_ERR, NULL);

    live_context_info(&info, protocols);
    context = lws_create_context(&info);
    if (!context) {
        fprintf(stderr, "error: lws_create_context failed\n");
        return EXIT_CONNECT;
    }

    /* left NULL: origin (not a browser, no Origin header) and protocol (no subprotocol) */
    live_connect_info(&ccinfo, &address, context, host, port, interview_id, since);
    ccinfo.local_protocol_name = protocols[0].name;
    ccinfo.pwsi = &client_wsi;

    start_time = now_sec();
    lws_sul_schedule(context, 0, &tick_sul, tick, 50 * LWS_US_PER_MS);
    if (!lws_client_connect_via_info(&ccinfo) && exit_status < 0) {
        fail(EXIT_CONNECT, "lws_client_connect_via_info failed for %s:%d", host, port);
    }

    while (!finished) {
        if (lws_service(context, 0) < 0)
            break;
    }
    lws_sul_cancel(&tick_sul);
    lws_context_destroy(context);
    if (log_file)
        fclose(log_file);

    if (exit_status < 0)
        exit_status = EXIT_CLOSED;
    printf("frames: %lu total; entry=%lu correction=%lu status=%lu viewers=%lu ping=%lu other=%lu; "
           "%lu arrived in several fragments\n",
           count_frames, count_entry, count_correction, count_status, count_viewers, count_ping,
           count_other_typed, fragmented_frames);
    if (exit_status == EXIT_OK) {
        if (received_events > 0)
            printf("received %lld events, seq %lld..%lld, no gaps, no duplicates\n", received_events, first_seq,
                   last_seq);
        else
            printf("received 0 events, no gaps, no duplicates\n");
    }
    fflush(stdout);
    free(frame_buf);
    return exit_status;
}
