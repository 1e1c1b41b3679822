/*
 * field_errors.c - what validation found wrong, field by field; see
 * field_errors.h.
 */
#include <stdarg.h>
#include <stdio.h>

#include "field_errors.h"

void
field_errors_init(struct field_errors *fe)
{
	fe->status = 0;
	fe->n = 0;
}

void
field_errors_add(struct field_errors *fe, int status, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	if (fe->status != 400)
		fe->status = status;
	if (fe->n == FIELD_ERRORS_MAX)
		return;
	snprintf(fe->e[fe->n].field, sizeof(fe->e[fe->n].field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(fe->e[fe->n].reason, sizeof(fe->e[fe->n].reason), fmt, ap);
	va_end(ap);
	fe->n++;
}
