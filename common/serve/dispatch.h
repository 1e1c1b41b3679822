/*
 * dispatch.h - one request from its arrival to its log line: the trace
 * it joins or begins (trace.h), the route (404, 405), who is asking
 * (auth.h, with the service's session check), the query's keys, the
 * handler, a 500 for a handler that did not answer, the metrics and the
 * one logfmt line.
 */
#ifndef MICROSHOP_DISPATCH_H
#define MICROSHOP_DISPATCH_H

#include <fcgiapp.h>

#include "settings.h"

struct fcgi_service;
struct http_request;

/*
 * Serve one accepted request: route it through svc's routes, check who is
 * asking (auth.h, with svc's session check), run its handler, answer 404,
 * 405 or 500 where the handler cannot, and log it. req is scratch space owned
 * by the calling worker thread; its body buffer is kept across requests.
 */
void dispatch_serve(struct http_request *req, FCGX_Request *fcgi,
    const struct svc_config *cfg, const struct fcgi_service *svc, void *ctx);

#endif
