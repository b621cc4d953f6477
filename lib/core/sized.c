// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Structs that can grow (libbpf's opts idea, the kernel's
 * copy_struct_from_user() rules): each starts with its size, set by the
 * caller to the sizeof() it was compiled with. A size below the struct's
 * 1.0 size (MLK_SZ_*) is refused; an out-struct is filled up to the smaller
 * of the two sizes; an options or input struct bigger than ours is taken
 * only when every byte we do not know is zero.
 */
#include <string.h>

#include "core/core.h"

static size_t sz_of(const void *p)	/* the leading size_t, whatever @p's type */
{
	size_t sz;

	memcpy(&sz, p, sizeof(sz));
	return sz;
}

int mlk_out_check(const void *out, size_t min_sz)
{
	if (out == NULL || sz_of(out) < min_sz)
		return -EINVAL;
	return 0;
}

void mlk_out_copy(void *out, const void *ours, size_t our_sz)
{
	size_t sz = sz_of(out), n = sz < our_sz ? sz : our_sz;

	/* the caller's sz stays as it was: it says what it was built with */
	memcpy((char *)out + sizeof(size_t), (const char *)ours + sizeof(size_t),
	       n - sizeof(size_t));
	if (sz > our_sz)
		memset((char *)out + our_sz, 0, sz - our_sz);
}

int mlk_opts_valid(const void *p, size_t sz, size_t min_sz, size_t our_sz)
{
	const unsigned char *tail = (const unsigned char *)p + our_sz;
	size_t i;

	if (p == NULL || sz < min_sz)
		return -EINVAL;
	for (i = 0; our_sz + i < sz; i++)
		if (tail[i] != 0)
			return -E2BIG;
	return 0;
}

int mlk_opts_get(void *ours, size_t our_sz, const void *p, size_t min_sz)
{
	size_t sz;
	int rc;

	memset(ours, 0, our_sz);
	if (p == NULL)
		return -EINVAL;
	sz = sz_of(p);
	rc = mlk_opts_valid(p, sz, min_sz, our_sz);
	if (rc < 0)
		return rc;
	memcpy(ours, p, sz < our_sz ? sz : our_sz);
	return 0;
}
