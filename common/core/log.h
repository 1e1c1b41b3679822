/*
 * log.h - the one logging module: logfmt lines on stderr, which journald
 * keeps. One line per request and one per notable event (start, stop,
 * errors). Each line is assembled first and written with a single write(2),
 * so lines from several worker threads never interleave; under load the
 * lines of quick requests may wait in their thread for the ones that
 * follow, and go in one write(2) with them (log_line).
 */
#ifndef MICROSHOP_LOG_H
#define MICROSHOP_LOG_H

#include <stddef.h>

/* The longest a kept line waits for others before it is written. */
#define LOG_KEEP_MS 100

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
 * log_msg, or with keep set: keep the line in this thread's buffer, to be
 * written with the lines that follow it in one write(2), as nginx's
 * access_log buffer= does (docs/performance.md): when the buffer (4 KiB)
 * is full, when the first line kept is LOG_KEEP_MS old, when the thread
 * logs a line it does not keep, and at log_flush. A line kept is lost if
 * the process dies before: keep only the lines of requests answered
 * while others are being served, never an event or an error.
 */
void log_line(enum log_level level, int keep, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write the lines this thread keeps, if any. */
void log_flush(void);

/*
 * Milliseconds until the lines this thread keeps are due (0: now), or -1
 * when it keeps none: how long a worker may wait for work before it
 * writes them.
 */
int log_kept_due_ms(void);

/*
 * Render s as a logfmt value into buf: bare when it is plain, otherwise
 * double-quoted with quotes, backslashes and control bytes escaped. The
 * result is truncated to fit n bytes. Returns buf.
 */
const char *log_value(char *buf, size_t n, const char *s);

#endif
