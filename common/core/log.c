/*
 * log.c - logfmt lines on stderr; see log.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define LOG_LINE_MAX 2048

/*
 * The lines this thread keeps (log_line with keep set): one write(2) of
 * at most PIPE_BUF bytes, which a pipe takes whole, so that lines of
 * several threads still never interleave.
 */
#define LOG_KEEP_BYTES 4096

static _Thread_local struct {
	char buf[LOG_KEEP_BYTES];
	size_t len;
	int64_t since_ms;	/* when the first of them was kept */
} kept;

static const char *log_service = "microshop";
static enum log_level log_threshold = LOG_LEVEL_INFO;

static const char *const log_level_names[] = {
	[LOG_LEVEL_DEBUG] = "debug",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_ERROR] = "error",
};

void
log_init(const char *service, enum log_level threshold)
{
	log_service = service;
	log_threshold = threshold;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(log_level_names) / sizeof(log_level_names[0]); i++) {
		if (strcmp(s, log_level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *
log_value(char *buf, size_t n, const char *s)
{
	size_t o = 0;
	int plain = *s != '\0';

	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
			plain = 0;
	}
	if (plain) {
		snprintf(buf, n, "%s", s);
		return buf;
	}

	/* Reserve room for the closing quote and the terminator. */
	if (n < 3) {
		if (n > 0)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (const char *p = s; *p && o + 6 < n; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

static void log_vline(enum log_level level, int keep, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Write len bytes of lines, in one write(2). */
static void
lines_write(const char *lines, size_t len)
{
	if (write(STDERR_FILENO, lines, len) < 0) {
		/* Nowhere left to report it. */
	}
}

void
log_flush(void)
{
	if (kept.len > 0)
		lines_write(kept.buf, kept.len);
	kept.len = 0;
}

int
log_kept_due_ms(void)
{
	int64_t left;

	if (kept.len == 0)
		return -1;
	left = kept.since_ms + LOG_KEEP_MS - clock_ms();
	return left > 0 ? (int)left : 0;
}

/* Keep line (len bytes) with this thread's lines, writing them when due. */
static void
line_keep(const char *line, size_t len)
{
	int64_t now = clock_ms();

	if (kept.len + len > sizeof(kept.buf))
		log_flush();
	if (kept.len == 0)
		kept.since_ms = now;
	memcpy(kept.buf + kept.len, line, len);
	kept.len += len;
	if (now - kept.since_ms >= LOG_KEEP_MS)
		log_flush();
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(level, 0, fmt, ap);
	va_end(ap);
}

void
log_line(enum log_level level, int keep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(level, keep, fmt, ap);
	va_end(ap);
}

static void
log_vline(enum log_level level, int keep, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	size_t len;
	int n;

	if (level < log_threshold)
		return;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
	    "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s svc=%s ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L,
	    log_level_names[level], log_service);
	len = (size_t)n;

	n = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	if (n < 0)
		n = 0;
	len += (size_t)n;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';

	if (keep) {
		line_keep(line, len);
		return;
	}
	/* What this thread kept goes first: its lines stay in their order. */
	log_flush();
	/* One write per line: atomic for lines below PIPE_BUF on pipes. */
	lines_write(line, len);
}
