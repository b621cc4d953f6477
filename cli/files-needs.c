// SPDX-License-Identifier: GPL-2.0-or-later
/* memlock files --with-libs / --from-pid: the paths a program needs in RAM,
 * from libmemlock's memlock_needs_* iterators; the CLI's words for what is
 * left out. */
#include "cli.h"
#include "files-needs.h"

void files_needs_free(char **paths, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

/* Say why @nd is left out; true when it is kept. */
static bool keep(const struct memlock_need *nd)
{
	switch (nd->kind) {
	case MEMLOCK_NEED_MISSING:
		if (nd->from != NULL)
			warn_rc(-nd->err, "%s, needed by %s", user_str(nd->name),
				user_str(nd->from));
		else
			warn_rc(-nd->err, "interpreter %s", user_str(nd->name));
		if (nd->err == ENOEXEC)
			hint("only files of another class or machine, or not ELF, have that name");
		return false;
	case MEMLOCK_NEED_STALE:
		if (nd->err == ESTALE)
			warnx("%s: the process maps an older file than the one at this path "
			      "(replaced since): left out", user_str(nd->path));
		else
			warnx("%s: the process maps a file that was deleted: left out",
			      user_str(nd->path));
		hint("restart the program to map the files now installed");
		return false;
	default:
		return true;
	}
}

int files_needs_paths(const char *program, pid_t pid, char ***paths, size_t *n)
{
	struct memlock_need nd = { .sz = sizeof(nd) };
	struct memlock_needs *it;
	char **list = NULL, **grown;
	size_t cnt = 0;
	int rc;

	it = program != NULL ? memlock_needs_open(NULL, program, 0) :
			       memlock_needs_open_pid(NULL, pid, 0);
	if (it == NULL) {
		rc = -errno;
		if (program != NULL) {
			warn_rc(rc, "cannot read %s", user_str(program));
			if (rc == -ENOEXEC)
				hint("%s is not an ELF program (a script? give its interpreter)",
				     user_str(program));
		} else {
			warn_rc(rc, "cannot read the files of process %d", (int)pid);
			hint_pid_error(pid, rc);
		}
		return rc;
	}
	while ((rc = memlock_needs_next(it, &nd)) == 0) {
		if (!keep(&nd))
			continue;
		grown = realloc(list, (cnt + 1) * sizeof(*list));
		if (grown == NULL || (grown[cnt] = strdup(nd.path)) == NULL) {
			list = grown != NULL ? grown : list;
			rc = -ENOMEM;
			break;
		}
		list = grown;
		cnt++;
	}
	memlock_needs_close(it);
	if (rc < 0) {
		if (program != NULL)
			warn_rc(rc, "cannot list what %s needs", user_str(program));
		else
			warn_rc(rc, "cannot list the files of process %d", (int)pid);
		files_needs_free(list, cnt);
		return rc;
	}
	*paths = list;
	*n = cnt;
	return 0;
}
