/*
 * flood: HTTP/1.1 request floods from chosen loopback source addresses, for
 * Benchmarks/flood-load/run.py. One thread, epoll, non-blocking sockets;
 * every connection is bound to its source address before connect() (all of
 * 127.0.0.0/8 is local on Linux), keeps one request in flight and sends the
 * next one as soon as the response is read. wrk cannot bind source
 * addresses, hence this client.
 *
 *   flood --port P --mode questions --interview ID --cookie 'wz_browser=...'
 *         --body-file FILE [--requests 10000] [--connections 4] [--address-base N]
 *   flood --port P --mode letters [--addresses 1000] [--seconds 10] [--search-every 2]
 *
 * Options:
 *   --host H              server address (default 127.0.0.1)
 *   --mode M              questions: POST /api/v1/interviews/ID/questions with
 *                         --cookie (one browser key) and bodies from --body-file
 *                         (one JSON object a line, used in turn);
 *                         letters: each connection alternates POST /api/v1/letters
 *                         (a fresh idempotency key each) and
 *                         GET /api/v1/letters/published?q=... (a search);
 *                         every --search-every-th request is a search
 *   --addresses A         distinct source addresses (default 1)
 *   --address-base N      the first one is number N: 127.X.Y.Z with
 *                         X = 2 + N / 64516, Y = (N / 254) % 254, Z = N % 254 + 1
 *   --connections C       keep-alive connections per address (default 1)
 *   --requests N          stop after N requests were sent (0: no limit)
 *   --seconds S           stop after S seconds (default 600)
 *
 * A connection the server closes (Connection: close, or reset) is opened
 * again from the same address. At the end it prints one line
 *   FLOOD {json}
 * with the requests sent, responses read, status counts by kind, how many
 * responses of each status carried Retry-After, connection errors, the
 * response time percentiles (10 us buckets) and the elapsed seconds.
 *
 * Build: cc -O2 -Wall -o flood Benchmarks/flood-load/flood.c
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define KINDS 3
enum kind { K_QUESTION, K_LETTER, K_SEARCH };
static const char *kind_names[KINDS] = {"question", "letter", "search"};
#define BUCKET_US 10
#define BUCKETS 3000000
#define IN_MAX (1 << 20)

struct conn {
    int fd;
    int address;
    int connected;
    char *out;
    size_t out_len, out_sent;
    char *in;
    size_t in_len;
    enum kind kind;
    double sent_at;
    long long count;
};

static const char *host = "127.0.0.1";
static int port, interview, addresses = 1, address_base, per_address = 1, search_every = 2;
static long long max_requests;
static double seconds = 600;
static const char *mode = "questions", *cookie = "", *body_file;
static char **bodies;
static int n_bodies;
static struct conn *conns;
static int n_conns, epfd;
static long long sent, received, connect_errors, resets, reconnects, unparsable;
static long long statuses[KINDS][600], retry_after[KINDS][600];
static unsigned *histogram;
static long long samples;
static double max_ms;

static double now_sec(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void source_address(int n, char *text, size_t size) {
    snprintf(text, size, "127.%d.%d.%d", 2 + n / 64516, (n / 254) % 254, n % 254 + 1);
}

static const char LETTER_BODY[] =
    "{\"type\":\"consultation\",\"subject\":\"\xe5\x92\xa8\xe8\xaf\xa2\xe6\xb3\x95\xe5\xbe\x8b\xe6\x8f\xb4\xe5\x8a\xa9"
    "\xe7\x94\xb3\xe8\xaf\xb7\xe6\x9d\xa1\xe4\xbb\xb6\",\"body\":\"\xe6\x82\xa8\xe5\xa5\xbd\xef\xbc\x81\xe6\x88\x91"
    "\xe6\x98\xaf\xe6\x9c\xac\xe5\xb8\x82\xe5\xb1\x85\xe6\xb0\x91\xef\xbc\x8c\xe5\x85\xac\xe5\x8f\xb8\xe6\x8b\x96"
    "\xe6\xac\xa0\xe6\x88\x91\xe4\xb8\x89\xe4\xb8\xaa\xe6\x9c\x88\xe7\x9a\x84\xe5\xb7\xa5\xe8\xb5\x84\xe3\x80\x82"
    "\xe8\xaf\xb7\xe9\x97\xae\xe8\x83\xbd\xe5\x90\xa6\xe7\x94\xb3\xe8\xaf\xb7\xe6\xb3\x95\xe5\xbe\x8b\xe6\x8f\xb4"
    "\xe5\x8a\xa9\xef\xbc\x9f\xe9\x9c\x80\xe8\xa6\x81\xe5\x87\x86\xe5\xa4\x87\xe5\x93\xaa\xe4\xba\x9b\xe6\x9d\x90"
    "\xe6\x96\x99\xef\xbc\x9f\xe8\xb0\xa2\xe8\xb0\xa2\xef\xbc\x81\",\"authorName\":\"\xe5\xbc\xa0\xe4\xb8\x89\","
    "\"phone\":\"13800000000\",\"mayPublish\":true,\"idempotencyKey\":\"flood-%d-%d-%lld\"}";
/* 法律援助 */
static const char SEARCH_QUERY[] = "%E6%B3%95%E5%BE%8B%E6%8F%B4%E5%8A%A9";

static void build_request(struct conn *c) {
    char body[4096];
    int body_len, n;
    free(c->out);
    c->out = malloc(8192);
    if (!strcmp(mode, "questions")) {
        const char *b = bodies[(c->count + c->address) % n_bodies];
        c->kind = K_QUESTION;
        n = snprintf(c->out, 8192,
                     "POST /api/v1/interviews/%d/questions HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                     "Accept: application/json\r\nCookie: %s\r\nContent-Length: %zu\r\n\r\n%s",
                     interview, host, port, cookie, strlen(b), b);
    } else if (search_every > 0 && c->count % search_every == search_every - 1) {
        c->kind = K_SEARCH;
        n = snprintf(c->out, 8192,
                     "GET /api/v1/letters/published?q=%s HTTP/1.1\r\nHost: %s:%d\r\nAccept: application/json\r\n\r\n",
                     SEARCH_QUERY, host, port);
    } else {
        c->kind = K_LETTER;
        body_len = snprintf(body, sizeof(body), LETTER_BODY, (int)getpid(), c->address, c->count);
        n = snprintf(c->out, 8192,
                     "POST /api/v1/letters HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                     "Accept: application/json\r\nContent-Length: %d\r\n\r\n%s",
                     host, port, body_len, body);
    }
    c->out_len = (size_t)n;
    c->out_sent = 0;
    c->in_len = 0;
}

static int budget_left(void) {
    return max_requests == 0 || sent < max_requests;
}

static void close_conn(struct conn *c) {
    if (c->fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->connected = 0;
}

static void watch(struct conn *c, unsigned events, int op) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    epoll_ctl(epfd, op, c->fd, &ev);
}

static void open_conn(struct conn *c) {
    struct sockaddr_in source = {.sin_family = AF_INET}, target = {.sin_family = AF_INET};
    char text[32];
    int one = 1;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) {
        connect_errors++;
        return;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(c->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    source_address(address_base + c->address, text, sizeof(text));
    inet_pton(AF_INET, text, &source.sin_addr);
    target.sin_port = htons((unsigned short)port);
    inet_pton(AF_INET, host, &target.sin_addr);
    if (bind(c->fd, (struct sockaddr *)&source, sizeof(source)) < 0 ||
        (connect(c->fd, (struct sockaddr *)&target, sizeof(target)) < 0 && errno != EINPROGRESS)) {
        connect_errors++;
        close(c->fd);
        c->fd = -1;
        return;
    }
    c->connected = 0;
    watch(c, EPOLLOUT, EPOLL_CTL_ADD);
}

static void start_request(struct conn *c) {
    if (!budget_left()) {
        close_conn(c);
        return;
    }
    build_request(c);
    sent++;
    c->count++;
    c->sent_at = now_sec();
    watch(c, EPOLLOUT, EPOLL_CTL_MOD);
}

static void record(struct conn *c, int status, int has_retry_after) {
    double ms = (now_sec() - c->sent_at) * 1000.0;
    long long bucket = (long long)(ms * 1000.0 / BUCKET_US);
    if (bucket >= BUCKETS)
        bucket = BUCKETS - 1;
    histogram[bucket]++;
    samples++;
    if (ms > max_ms)
        max_ms = ms;
    received++;
    if (status < 0 || status >= 600)
        status = 0;
    statuses[c->kind][status]++;
    if (has_retry_after)
        retry_after[c->kind][status]++;
}

static const char *find_header(const char *head, size_t head_len, const char *name) {
    /* name is lowercase and starts with "\r\n" */
    size_t n = strlen(name), k;
    for (k = 0; k + n <= head_len; k++)
        if (!strncasecmp(head + k, name, n))
            return head + k + n;
    return NULL;
}

/* 1: a whole response is in c->in (its length in *used); 0: need more; -1: garbage */
static int parse_response(struct conn *c, int *status, int *retry, int *closing, size_t *used) {
    char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    size_t head_len, body_at;
    const char *value;
    if (!end)
        return c->in_len > 65536 ? -1 : 0;
    head_len = (size_t)(end - c->in) + 2;
    body_at = head_len + 2;
    if (c->in_len < 12 || strncmp(c->in, "HTTP/1.", 7))
        return -1;
    *status = atoi(c->in + 9);
    *retry = find_header(c->in, head_len, "\r\nretry-after:") != NULL;
    value = find_header(c->in, head_len, "\r\nconnection:");
    *closing = value && !strncasecmp(value + strspn(value, " "), "close", 5);
    value = find_header(c->in, head_len, "\r\ncontent-length:");
    if (value) {
        size_t length = strtoul(value, NULL, 10);
        if (c->in_len < body_at + length)
            return 0;
        *used = body_at + length;
        return 1;
    }
    value = find_header(c->in, head_len, "\r\ntransfer-encoding:");
    if (value && strcasestr(value, "chunked") && strcasestr(value, "chunked") < c->in + head_len) {
        size_t at = body_at;
        for (;;) {
            char *line_end = memmem(c->in + at, c->in_len - at, "\r\n", 2);
            size_t size;
            if (!line_end)
                return 0;
            size = strtoul(c->in + at, NULL, 16);
            at = (size_t)(line_end - c->in) + 2;
            if (size == 0) {
                if (c->in_len < at + 2)
                    return 0;
                *used = at + 2; /* no trailers */
                return 1;
            }
            if (c->in_len < at + size + 2)
                return 0;
            at += size + 2;
        }
    }
    if (*status == 204 || *status == 304 || *status / 100 == 1) {
        *used = body_at;
        return 1;
    }
    *closing = 1; /* body until close: not expected from this server */
    *used = c->in_len;
    return -1;
}

static void on_event(struct conn *c, unsigned events, double deadline) {
    if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
        if (c->connected)
            resets++;
        else
            connect_errors++;
        close_conn(c);
        return;
    }
    if (!c->connected && (events & EPOLLOUT)) {
        int error = 0;
        socklen_t length = sizeof(error);
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error) {
            connect_errors++;
            close_conn(c);
            return;
        }
        c->connected = 1;
        if (now_sec() >= deadline) {
            close_conn(c);
            return;
        }
        start_request(c);
        if (c->fd < 0)
            return;
    }
    if ((events & EPOLLOUT) && c->out_sent < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_sent, c->out_len - c->out_sent, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN) {
            resets++;
            close_conn(c);
            return;
        }
        if (w > 0)
            c->out_sent += (size_t)w;
        if (c->out_sent == c->out_len)
            watch(c, EPOLLIN, EPOLL_CTL_MOD);
        return;
    }
    if (events & EPOLLIN) {
        for (;;) {
            ssize_t r;
            int status = 0, retry = 0, closing = 0, parsed;
            size_t used = 0;
            if (c->in_len == IN_MAX) {
                unparsable++;
                close_conn(c);
                return;
            }
            r = recv(c->fd, c->in + c->in_len, IN_MAX - c->in_len, 0);
            if (r == 0 || (r < 0 && errno != EAGAIN)) {
                resets++;
                close_conn(c);
                return;
            }
            if (r < 0)
                return;
            c->in_len += (size_t)r;
            parsed = parse_response(c, &status, &retry, &closing, &used);
            if (parsed == 0)
                continue;
            if (parsed < 0) {
                unparsable++;
                close_conn(c);
                return;
            }
            record(c, status, retry);
            if (closing) {
                close_conn(c);
                return;
            }
            if (now_sec() >= deadline) {
                close_conn(c);
                return;
            }
            start_request(c);
            return;
        }
    }
}

static void usage(void) {
    fprintf(stderr, "usage: flood --port P --mode questions|letters [options] (see the header of flood.c)\n");
    exit(2);
}

static void read_bodies(void) {
    FILE *file;
    char *line = NULL;
    size_t size = 0;
    ssize_t n;
    if (!body_file)
        usage();
    file = fopen(body_file, "r");
    if (!file) {
        perror(body_file);
        exit(1);
    }
    while ((n = getline(&line, &size, file)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        bodies = realloc(bodies, sizeof(char *) * (size_t)(n_bodies + 1));
        bodies[n_bodies++] = strdup(line);
    }
    fclose(file);
    if (n_bodies == 0) {
        fprintf(stderr, "no bodies in %s\n", body_file);
        exit(1);
    }
}

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
            return (double)(b + 1) * BUCKET_US / 1000.0;
    }
    return max_ms;
}

static void print_counts(long long table[KINDS][600]) {
    int k, s, first_kind = 1;
    printf("{");
    for (k = 0; k < KINDS; k++) {
        int first = 1, any = 0;
        for (s = 0; s < 600; s++)
            any |= table[k][s] != 0;
        if (!any)
            continue;
        printf("%s\"%s\":{", first_kind ? "" : ",", kind_names[k]);
        first_kind = 0;
        for (s = 0; s < 600; s++) {
            if (!table[k][s])
                continue;
            printf("%s\"%d\":%lld", first ? "" : ",", s, table[k][s]);
            first = 0;
        }
        printf("}");
    }
    printf("}");
}

int main(int argc, char **argv) {
    int k, open_count;
    double started, deadline, finished_at;
    struct rlimit limit;
    struct epoll_event events[256];
    for (k = 1; k < argc; k++) {
        const char *name = argv[k];
        const char *value = k + 1 < argc ? argv[k + 1] : NULL;
        if (!value)
            usage();
        k++;
        if (!strcmp(name, "--host"))
            host = value;
        else if (!strcmp(name, "--port"))
            port = atoi(value);
        else if (!strcmp(name, "--mode"))
            mode = value;
        else if (!strcmp(name, "--interview"))
            interview = atoi(value);
        else if (!strcmp(name, "--cookie"))
            cookie = value;
        else if (!strcmp(name, "--body-file"))
            body_file = value;
        else if (!strcmp(name, "--addresses"))
            addresses = atoi(value);
        else if (!strcmp(name, "--address-base"))
            address_base = atoi(value);
        else if (!strcmp(name, "--connections"))
            per_address = atoi(value);
        else if (!strcmp(name, "--requests"))
            max_requests = atoll(value);
        else if (!strcmp(name, "--seconds"))
            seconds = atof(value);
        else if (!strcmp(name, "--search-every"))
            search_every = atoi(value);
        else
            usage();
    }
    if (!port || addresses < 1 || per_address < 1 || (strcmp(mode, "questions") && strcmp(mode, "letters")))
        usage();
    if (!strcmp(mode, "questions"))
        read_bodies();
    signal(SIGPIPE, SIG_IGN);
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    histogram = calloc(BUCKETS, sizeof(unsigned));
    n_conns = addresses * per_address;
    conns = calloc((size_t)n_conns, sizeof(struct conn));
    epfd = epoll_create1(0);
    started = now_sec();
    deadline = started + seconds;
    for (k = 0; k < n_conns; k++) {
        conns[k].fd = -1;
        conns[k].address = k / per_address;
        conns[k].in = malloc(IN_MAX);
        open_conn(&conns[k]);
    }
    for (;;) {
        int n = epoll_wait(epfd, events, 256, 50), i;
        double t = now_sec();
        for (i = 0; i < n; i++)
            on_event(events[i].data.ptr, events[i].events, deadline);
        open_count = 0;
        for (k = 0; k < n_conns; k++) {
            if (conns[k].fd >= 0) {
                open_count++;
            } else if (t < deadline && budget_left()) {
                reconnects++;
                open_conn(&conns[k]);
                if (conns[k].fd >= 0)
                    open_count++;
            }
        }
        if (t >= deadline + 30 || open_count == 0)
            break; /* requests in flight at the deadline get 30 s */
        if (t >= deadline) {
            /* stop what has not started; connections with a request in flight finish it */
            for (k = 0; k < n_conns; k++)
                if (conns[k].fd >= 0 && !conns[k].connected)
                    close_conn(&conns[k]);
        }
    }
    finished_at = now_sec();
    printf("FLOOD {\"mode\":\"%s\",\"addresses\":%d,\"connections\":%d,\"requests\":%lld,\"responses\":%lld,"
           "\"seconds\":%.3f,\"connectErrors\":%lld,\"resets\":%lld,\"reconnects\":%lld,\"unparsable\":%lld,"
           "\"p50ms\":%.2f,\"p99ms\":%.2f,\"maxms\":%.2f,\"statuses\":",
           mode, addresses, n_conns, sent, received, finished_at - started, connect_errors, resets, reconnects,
           unparsable, percentile_ms(0.5), percentile_ms(0.99), max_ms);
    print_counts(statuses);
    printf(",\"retryAfter\":");
    print_counts(retry_after);
    printf("}\n");
    fflush(stdout);
    return 0;
}
