/*
 * log.h - the one logging module: logfmt lines on stderr, which journald
 * keeps. One line per request and one per notable event (start, stop,
 * errors). Each line is assembled first and written with a single write(2),
 * so lines from several worker threads never interleave.
 */
#ifndef MICROSHOP_LOG_H
#define MICROSHOP_LOG_H

#include <stddef.h>

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR
};

/* Set the service name (borrowed: must outlive the process) and threshold. */
void log_init(const char *service, enum log_level threshold);

/* Parse "debug", "info", "warn" or "error". Returns 0, or -1 if unknown. */
int log_level_parse(const char *s, enum log_level *out);

/*
 * Log one line: ts=... level=... svc=... followed by the caller's logfmt
 * pairs, formatted from fmt. Values that may hold spaces, quotes or
 * client-controlled bytes must go through log_value() first.
 */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Render s as a logfmt value into buf: bare when it is plain, otherwise
 * double-quoted with quotes, backslashes and control bytes escaped. The
 * result is truncated to fit n bytes. Returns buf.
 */
const char *log_value(char *buf, size_t n, const char *s);

#endif
