/*
 * trace.h - W3C Trace Context (level 1): the traceparent header read and
 * written, and the ids a service makes. A request whose traceparent is
 * valid joins the caller's trace; one without, or with one that is not
 * valid, begins a trace of its own. Either way the request is a span of
 * its own, with an id made here, which is the parent of the calls the
 * service makes for it (and of the spans of whoever answers them).
 *
 * The ids come from a generator of each thread's own (xoshiro256**),
 * seeded once per thread from the kernel (getrandom): a request costs no
 * system call for them. They are unique, not secret: they end up in logs
 * and in headers a caller sees.
 */
#ifndef MICROSHOP_TRACE_H
#define MICROSHOP_TRACE_H

#include <stddef.h>

#define TRACE_ID_HEX 32		/* a trace id: 16 bytes in lowercase hex */
#define TRACE_SPAN_HEX 16	/* a span id (a parent-id): 8 bytes */
#define TRACEPARENT_LEN 55	/* "00-" trace-id "-" parent-id "-" flags */
#define TRACE_FLAG_SAMPLED 0x01	/* the one flag of version 00 */
/* The longest tracestate passed on; the specification asks every vendor
 * to pass at least this much on. */
#define TRACESTATE_MAX 512

/* What a valid traceparent says: the caller's trace and its span. */
struct trace_parent {
	char trace_id[TRACE_ID_HEX + 1];
	char parent_id[TRACE_SPAN_HEX + 1];
	unsigned flags;		/* the sampled bit alone: the others are reserved */
};

/* A request's place in a trace. */
struct trace {
	char trace_id[TRACE_ID_HEX + 1];
	char span_id[TRACE_SPAN_HEX + 1];	/* this request's own span */
	char parent_id[TRACE_SPAN_HEX + 1];	/* the caller's; "" when none */
	unsigned flags;		/* passed on to the calls made for it */
	const char *state;	/* the caller's tracestate, passed on unchanged
				 * (borrowed), or NULL */
};

/*
 * Read a traceparent header's value. Version 00 is exactly
 * 00-<32 hex>-<16 hex>-<2 hex>, in lowercase hex; a later version (not
 * ff) is read as the specification says: its first four fields have
 * those shapes, and the flags end the value or are followed by '-' and
 * whatever that version adds, which is ignored. An all-zero trace-id or
 * parent-id is invalid. Returns 0 with *out filled, or -1 (NULL, invalid).
 */
int trace_parent_parse(const char *s, struct trace_parent *out);

/*
 * The trace of a request with these headers' values (each NULL when
 * absent): the caller's, when traceparent is valid, with its tracestate
 * kept to be passed on (when it is 1 to TRACESTATE_MAX printable bytes);
 * otherwise a new one, and tracestate is ignored. A new span id either way.
 */
void trace_begin(struct trace *t, const char *traceparent, const char *tracestate);

/* A new trace that nobody called for (the event consumer's polls). */
void trace_new(struct trace *t);

/*
 * The traceparent of a call made for t's span: version 00, t's trace id,
 * t's span id as the parent-id, t's flags, into buf (n bytes; "" when n
 * is less than TRACEPARENT_LEN + 1). Returns buf.
 */
const char *trace_parent_format(const struct trace *t, char *buf, size_t n);

/* t's parent span id as a log value: "-" when t began its trace. */
const char *trace_parent_log(const struct trace *t);

#endif
