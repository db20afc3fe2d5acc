/*
 * live_client.h: how the interop viewer (Tests/interop/lws_viewer.c) and
 * the load generator (Benchmarks/live-load/lws_load.c) set up
 * libwebsockets to watch an interview's live socket
 * (docs/live-protocol.md). Header only; include it after
 * <libwebsockets.h> and build with -I Tests/support.
 */
#ifndef WENZHENG_LIVE_CLIENT_H
#define WENZHENG_LIVE_CLIENT_H

#include <stdio.h>
#include <string.h>

/* A client-only context: no listening socket, the caller's protocols.
 * The caller sets anything else (limits, an event loop) afterwards. */
static inline void live_context_info(struct lws_context_creation_info *info, const struct lws_protocols *protocols) {
    memset(info, 0, sizeof(*info));
    info->port = CONTEXT_PORT_NO_LISTEN;
    info->protocols = protocols;
    info->gid = -1;
    info->uid = -1;
}

/* The strings a connection's info points into: they must outlive the
 * call to lws_client_connect_via_info(). */
struct live_address {
    char path[128];
    char host_header[300];
};

/* A viewer of the interview on host:port, from the seq `since`
 * (GET /live/interviews/ID?since=S). The caller sets its protocol and
 * where lws keeps the connection (pwsi, opaque_user_data). */
static inline void live_connect_info(struct lws_client_connect_info *info, struct live_address *address,
                                     struct lws_context *context, const char *host, int port, long long interview_id,
                                     long long since) {
    snprintf(address->path, sizeof(address->path), "/live/interviews/%lld?since=%lld", interview_id, since);
    snprintf(address->host_header, sizeof(address->host_header), "%s:%d", host, port);
    memset(info, 0, sizeof(*info));
    info->context = context;
    info->address = host;
    info->port = port;
    info->path = address->path;
    info->host = address->host_header;
    info->ietf_version_or_minus_one = -1;
}

#endif
