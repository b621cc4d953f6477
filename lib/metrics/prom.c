// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The Prometheus text exposition format, version 0.0.4
 * (prometheus.io/docs/instrumenting/exposition_formats/): names checked,
 * label values and HELP text escaped and made valid UTF-8, whatever bytes a
 * process names itself with. The parsers (Prometheus, node_exporter's
 * textfile collector, promtool) refuse a whole file for one bad byte.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "metrics/metrics.h"

/* Length of the valid UTF-8 sequence at @u, 0 for a byte that starts none
 * (RFC 3629 table 3-7: no overlong form, no surrogate, nothing past
 * U+10FFFF). @u is NUL-terminated, and NUL is never a continuation byte. */
static size_t utf8_seq(const unsigned char *u)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (u[0] < 0x80)
		return 1;
	if (u[0] < 0xc2 || u[0] > 0xf4)
		return 0;
	n = u[0] < 0xe0 ? 2 : u[0] < 0xf0 ? 3 : 4;
	if (u[0] == 0xe0)
		lo = 0xa0;	/* overlong below U+0800 */
	else if (u[0] == 0xed)
		hi = 0x9f;	/* U+D800..U+DFFF: surrogates */
	else if (u[0] == 0xf0)
		lo = 0x90;	/* overlong below U+10000 */
	else if (u[0] == 0xf4)
		hi = 0x8f;	/* past U+10FFFF */
	if (u[1] < lo || u[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((u[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

size_t mlk_prom_escape(char *dst, const char *s, bool quote)
{
	const unsigned char *u = (const unsigned char *)s;
	char *d = dst;
	size_t n;

	while (*u) {
		n = utf8_seq(u);
		if (n == 0) {
			d = mempcpy(d, "\xef\xbf\xbd", 3);	/* U+FFFD, one per bad byte */
			u++;
		} else if (*u == '\\' || *u == '\n' || (*u == '"' && quote)) {
			*d++ = '\\';
			*d++ = *u == '\n' ? 'n' : (char)*u;
			u++;
		} else {
			d = mempcpy(d, u, n);
			u += n;
		}
	}
	*d = '\0';
	return (size_t)(d - dst);
}

/* @s escaped to @f: 0, -ENOMEM */
static int put_escaped(FILE *f, const char *s, bool quote)
{
	char small[256], *buf = small;
	size_t len = strlen(s);

	if (len > (sizeof(small) - 1) / 3) {
		buf = malloc(len * 3 + 1);
		if (buf == NULL)
			return -ENOMEM;
	}
	mlk_prom_escape(buf, s, quote);
	fputs(buf, f);
	if (buf != small)
		free(buf);
	return 0;
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for a metric, [a-zA-Z_][a-zA-Z0-9_]* and no
 * leading "__" (reserved) for a label */
bool mlk_prom_name_is_ok(const char *s, bool label)
{
	const char *p;

	if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
		return false;
	if (label && strncmp(s, "__", 2) == 0)
		return false;
	for (p = s; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || (c == ':' && !label)))
			return false;
	}
	return true;
}

static int stream_rc(FILE *f)
{
	return ferror(f) ? -EIO : 0;
}

int mlk_prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	int rc;

	fprintf(f, "# HELP %s ", name);
	rc = put_escaped(f, help, false);
	if (rc < 0)
		return rc;
	fprintf(f, "\n# TYPE %s %s\n", name, type);
	return stream_rc(f);
}

int mlk_prom_sample(FILE *f, const char *name, const char *const *labels, const char *value)
{
	size_t i;
	int rc;

	fputs(name, f);
	for (i = 0; labels && labels[i]; i += 2) {
		fprintf(f, "%s%s=\"", i ? "," : "{", labels[i]);
		rc = put_escaped(f, labels[i + 1], true);
		if (rc < 0)
			return rc;
		fputc('"', f);
	}
	fprintf(f, "%s %s\n", i ? "}" : "", value);
	return stream_rc(f);
}

/* The value as the format writes it: Go's ParseFloat reads it back. */
void mlk_prom_value(double v, char *buf, size_t sz)
{
	if (isnan(v))
		snprintf(buf, sz, "NaN");
	else if (isinf(v))
		snprintf(buf, sz, v > 0 ? "+Inf" : "-Inf");
	else if (v >= -0x1p53 && v <= 0x1p53 && v == (double)(int64_t)v)
		snprintf(buf, sz, "%" PRId64, (int64_t)v);	/* exact: 2^53 and below */
	else
		snprintf(buf, sz, "%.17g", v);
}

int memlock_metrics_family(FILE *f, const char *name, const char *type, const char *help)
{
	if (f == NULL || help == NULL || !mlk_prom_name_is_ok(name, false) || type == NULL ||
	    (strcmp(type, "counter") != 0 && strcmp(type, "gauge") != 0 &&
	     strcmp(type, "untyped") != 0))
		return mlk_err(-EINVAL);
	return mlk_err(mlk_prom_family(f, name, type, help));
}

int memlock_metrics_sample(FILE *f, const char *name, const char *const *labels, double value)
{
	char buf[32];
	size_t i;

	if (f == NULL || !mlk_prom_name_is_ok(name, false))
		return mlk_err(-EINVAL);
	for (i = 0; labels && labels[i]; i += 2)
		if (!mlk_prom_name_is_ok(labels[i], true) || labels[i + 1] == NULL)
			return mlk_err(-EINVAL);
	mlk_prom_value(value, buf, sizeof(buf));
	return mlk_err(mlk_prom_sample(f, name, labels, buf));
}
