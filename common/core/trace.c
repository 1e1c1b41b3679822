/*
 * trace.c - W3C Trace Context: traceparent read and written, trace and
 * span ids made; see trace.h.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/random.h>

#include "trace.h"

/* ------------------------------------------------------------------ */
/* The ids: a generator per thread                                    */
/* ------------------------------------------------------------------ */

/*
 * xoshiro256** (Blackman and Vigna): 256 bits of state, a few shifts and
 * multiplies per 64 bits out. Each thread seeds its own at its first id,
 * so ids need neither a lock nor a system call; two threads (or two
 * processes) draw from seeds of their own.
 */
static _Thread_local struct {
	uint64_t s[4];
	int seeded;
} gen;

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* SplitMix64, which spreads a weak seed over the whole state. */
static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Seed this thread's generator from the kernel. Without an answer (a
 * kernel without getrandom, or one whose pool is not ready at boot:
 * GRND_NONBLOCK, since a request must not wait for it), from the clocks,
 * the process and the thread: ids still unique in practice, only less
 * unpredictable, which they need not be.
 */
static void
gen_seed(void)
{
	struct timespec real, mono;
	uint64_t x;

	if (getrandom(gen.s, sizeof(gen.s), GRND_NONBLOCK) != (ssize_t)sizeof(gen.s)) {
		clock_gettime(CLOCK_REALTIME, &real);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		x = (uint64_t)real.tv_sec * 1000000000ULL + (uint64_t)real.tv_nsec;
		x ^= rotl((uint64_t)mono.tv_nsec, 32) ^ (uint64_t)getpid();
		x ^= rotl((uint64_t)(uintptr_t)&gen, 17);
		for (int i = 0; i < 4; i++)
			gen.s[i] = splitmix64(&x);
	}
	/* The one state xoshiro cannot leave. */
	if ((gen.s[0] | gen.s[1] | gen.s[2] | gen.s[3]) == 0)
		gen.s[0] = 1;
	gen.seeded = 1;
}

static uint64_t
gen_next(void)
{
	uint64_t *s = gen.s, out, t;

	if (!gen.seeded)
		gen_seed();
	out = rotl(s[1] * 5, 7) * 9;
	t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

static const char hex_digits[] = "0123456789abcdef";

/* v as 16 lowercase hex digits at out (no terminator). */
static void
hex64(char *out, uint64_t v)
{
	for (int i = 15; i >= 0; i--) {
		out[i] = hex_digits[v & 0xf];
		v >>= 4;
	}
}

/* A new span id into out (TRACE_SPAN_HEX + 1 bytes); never all zero. */
static void
span_make(char *out)
{
	uint64_t v;

	while ((v = gen_next()) == 0)
		;
	hex64(out, v);
	out[TRACE_SPAN_HEX] = '\0';
}

/* A new trace id into out (TRACE_ID_HEX + 1 bytes); never all zero. */
static void
trace_id_make(char *out)
{
	uint64_t hi, lo;

	do {
		hi = gen_next();
		lo = gen_next();
	} while ((hi | lo) == 0);
	hex64(out, hi);
	hex64(out + 16, lo);
	out[TRACE_ID_HEX] = '\0';
}

/* ------------------------------------------------------------------ */
/* traceparent                                                        */
/* ------------------------------------------------------------------ */

/* Each lowercase hex digit's value plus one; 0 for every other byte
 * (uppercase too: the format is lowercase). */
static const unsigned char hex_table[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
	['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13,
	['d'] = 14, ['e'] = 15, ['f'] = 16,
};

/* c's value as a lowercase hex digit, or -1. */
static int
hex_value(char c)
{
	return hex_table[(unsigned char)c] - 1;
}

/* 1 when s[0..n) are lowercase hex digits, not all of them 0. */
static int
hex_id_ok(const char *s, size_t n)
{
	int nonzero = 0;

	for (size_t i = 0; i < n; i++) {
		if (hex_value(s[i]) < 0)
			return 0;
		nonzero |= s[i] != '0';
	}
	return nonzero;
}

int
trace_parent_parse(const char *s, struct trace_parent *out)
{
	/* Enough to tell whether the value ends after the flags: a later
	 * version may go on, and its length is nothing to read here. */
	size_t len = s != NULL ? strnlen(s, TRACEPARENT_LEN + 1) : 0;

	/* The version: two lowercase hex digits; ff is forbidden. */
	if (len < 3 || hex_value(s[0]) < 0 || hex_value(s[1]) < 0 || s[2] != '-' ||
	    (s[0] == 'f' && s[1] == 'f'))
		return -1;
	/* Version 00 is its four fields and nothing else; a later one is
	 * at least as long, and may add fields after a dash. */
	if (len < TRACEPARENT_LEN)
		return -1;
	if (s[0] == '0' && s[1] == '0' ? len != TRACEPARENT_LEN :
	    len > TRACEPARENT_LEN && s[TRACEPARENT_LEN] != '-')
		return -1;
	if (!hex_id_ok(s + 3, TRACE_ID_HEX) || s[35] != '-' ||
	    !hex_id_ok(s + 36, TRACE_SPAN_HEX) || s[52] != '-' ||
	    hex_value(s[53]) < 0 || hex_value(s[54]) < 0)
		return -1;
	memcpy(out->trace_id, s + 3, TRACE_ID_HEX);
	out->trace_id[TRACE_ID_HEX] = '\0';
	memcpy(out->parent_id, s + 36, TRACE_SPAN_HEX);
	out->parent_id[TRACE_SPAN_HEX] = '\0';
	/* The flags but sampled are reserved: passed on as zero. */
	out->flags = (unsigned)hex_value(s[54]) & TRACE_FLAG_SAMPLED;
	return 0;
}

/*
 * 1 when tracestate s may be passed on unchanged: 1 to TRACESTATE_MAX
 * bytes of printable ASCII, spaces and tabs (the header's own), so that
 * nothing it holds can end the header line it goes into. Its members are
 * other vendors' and are not read.
 */
static int
state_ok(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	for (n = 0; s[n] != '\0'; n++) {
		unsigned char c = (unsigned char)s[n];

		if (n == TRACESTATE_MAX || (c < 0x20 && c != '\t') || c >= 0x7f)
			return 0;
	}
	return n > 0;
}

void
trace_new(struct trace *t)
{
	trace_id_make(t->trace_id);
	span_make(t->span_id);
	t->parent_id[0] = '\0';
	/*
	 * Sampled: every request is recorded (its log line), and the
	 * specification asks a component that decided to record to say so.
	 */
	t->flags = TRACE_FLAG_SAMPLED;
	t->state = NULL;
}

void
trace_begin(struct trace *t, const char *traceparent, const char *tracestate)
{
	struct trace_parent p;

	/* Without a valid traceparent, tracestate is not even looked at. */
	if (trace_parent_parse(traceparent, &p) < 0) {
		trace_new(t);
		return;
	}
	memcpy(t->trace_id, p.trace_id, sizeof(t->trace_id));
	memcpy(t->parent_id, p.parent_id, sizeof(t->parent_id));
	span_make(t->span_id);
	t->flags = p.flags;
	t->state = state_ok(tracestate) ? tracestate : NULL;
}

const char *
trace_parent_format(const struct trace *t, char *buf, size_t n)
{
	/* Put together by hand: snprintf would cost more than the rest of
	 * the trace's work for a request. */
	if (n < TRACEPARENT_LEN + 1) {
		if (n > 0)
			buf[0] = '\0';
		return buf;
	}
	memcpy(buf, "00-", 3);
	memcpy(buf + 3, t->trace_id, TRACE_ID_HEX);
	buf[35] = '-';
	memcpy(buf + 36, t->span_id, TRACE_SPAN_HEX);
	buf[52] = '-';
	buf[53] = hex_digits[(t->flags >> 4) & 0xf];
	buf[54] = hex_digits[t->flags & 0xf];
	buf[TRACEPARENT_LEN] = '\0';
	return buf;
}

const char *
trace_parent_log(const struct trace *t)
{
	return t->parent_id[0] != '\0' ? t->parent_id : "-";
}
