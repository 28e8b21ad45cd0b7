/* fcr-exchange: swap two paths with renameat2(RENAME_EXCHANGE) in a loop,
 * as an attacker racing a loader's check against its use would.
 *
 *   fcr-exchange [-u UID] A B SECONDS
 *
 * -u: drop to that user (and its group 65534) first, to show that the
 * rights of a plain user suffice.  Stops after SECONDS, or when killed;
 * prints how many exchanges it made.  Exits 1 when an exchange fails. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int drop_to(const char *uid_text) {
        uid_t uid = (uid_t) strtoul(uid_text, NULL, 10);

        if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(uid) < 0) {
                fprintf(stderr, "fcr-exchange: cannot become uid %u: %s\n", (unsigned) uid, strerror(errno));
                return -1;
        }
        return 0;
}

int main(int argc, char **argv) {
        unsigned long n = 0;
        double end;

        if (argc == 6 && !strcmp(argv[1], "-u")) {
                if (drop_to(argv[2]) < 0)
                        return 1;
                argv += 2;
                argc -= 2;
        }
        if (argc != 4) {
                fprintf(stderr, "usage: fcr-exchange [-u UID] A B SECONDS\n");
                return 64;
        }
        end = now() + atof(argv[3]);
        while ((n & 1023) || now() < end) {
                if (renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) < 0) {
                        fprintf(stderr, "fcr-exchange: %s <-> %s: %s\n", argv[1], argv[2], strerror(errno));
                        return 1;
                }
                n++;
        }
        printf("fcr-exchange: %lu exchanges\n", n);
        return 0;
}
