/* Opening what root runs or obeys (plugins, configuration files) so
 * that no one but root can have chosen it.
 *
 * The path is resolved here, one component at a time from / (or from a
 * directory this module opened), each on a descriptor: every directory,
 * every symlink followed and the file itself are checked on the
 * descriptor that is then used, so nothing can be swapped between the
 * check and the use.  When running as root, each must be root's, and a
 * directory or the file writable by no one else; a directory writable
 * by others is accepted when it is sticky (/tmp), since then no one else
 * can rename, remove or exchange root's entries in it.  Not as root, the
 * owners and modes are not checked (the code runs with the user's own
 * rights), the types are. */
#pragma once
#include <stdbool.h>
#include <fcreplay/diag.h>

enum fcr_trust_kind {
        FCR_TRUST_FILE,         /* a regular file (plugins) */
        FCR_TRUST_CONFIG,       /* a regular file, or the null device (no settings) */
        FCR_TRUST_DIR,          /* a directory, opened for reading (readdir) */
};

/* Open path (what: "plugin", "configuration file", for messages) read
 * only, with O_NONBLOCK (a FIFO never blocks: it is refused by type).
 * dir_fd: a directory opened by this module, for a relative path, whose
 * path dir_path names it in messages; AT_FDCWD and NULL for a path from
 * the current directory.  Returns the descriptor in *ret_fd, or:
 *   -EPERM     not trusted: owner or mode (the reason names the component);
 *   -EMEDIUMTYPE  the file is of the wrong type (a FIFO, a directory ...);
 *   another negative errno (-ENOENT, -ELOOP ...) when it cannot be opened.
 * d's reason names the path and, for a refusal, the component. */
int fcr_trust_open(int dir_fd, const char *dir_path, const char *path, enum fcr_trust_kind kind,
                   const char *what, int *ret_fd, struct fcr_diag *d);

/* Whether trust is checked at all: owners and modes matter as root. */
bool fcr_trust_enforced(void);
