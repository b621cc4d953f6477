/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/metrics: the Prometheus text exposition format (prom.c) and the lock
 * and swap state written in it (metrics.c). */
#ifndef MLK_METRICS_H
#define MLK_METRICS_H

#include "core/core.h"

/* @s escaped into @dst as a label value (@quote: \\, \" and \n) or as HELP
 * text (\\ and \n), each byte that is not part of valid UTF-8 as U+FFFD;
 * @dst has room for 3 * strlen(@s) + 1 bytes. Returns the length written,
 * NUL-terminated. */
MLK_HIDDEN size_t mlk_prom_escape(char *dst, const char *s, bool quote);
/* a metric name (@label false) or a label name the format allows */
MLK_HIDDEN bool mlk_prom_name_is_ok(const char *s, bool label);
/* The HELP and TYPE lines of a family; a sample line with its value as
 * text (labels: names and values in turn, then NULL). Names are not
 * checked. 0, -ENOMEM, or -EIO when @f has its error flag. */
MLK_HIDDEN int mlk_prom_family(FILE *f, const char *name, const char *type, const char *help);
MLK_HIDDEN int mlk_prom_sample(FILE *f, const char *name, const char *const *labels,
			       const char *value);
/* @v as the format writes a value: exact for whole numbers up to 2^53,
 * +Inf, -Inf, NaN (@sz: 32 are enough) */
MLK_HIDDEN void mlk_prom_value(double v, char *buf, size_t sz);

#endif /* MLK_METRICS_H */
