/* fcr-rss: run a command and report its peak resident set size and its
 * time, under an address-space limit so that a runaway stays a failure of
 * the test, not of the machine.
 *
 *   fcr-rss REPORT LIMIT_MIB COMMAND [ARGS...]
 *
 * Writes "PEAK_RSS_KIB SECONDS" to REPORT and exits with the command's
 * status (128 + the signal that killed it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

int main(int argc, char **argv) {
        struct timespec t0, t1;
        struct rusage ru;
        struct rlimit rl;
        FILE *f;
        pid_t pid;
        int status;

        if (argc < 4) {
                fprintf(stderr, "usage: fcr-rss REPORT LIMIT_MIB COMMAND [ARGS...]\n");
                return 64;
        }
        rl.rlim_cur = rl.rlim_max = (rlim_t) strtoull(argv[2], NULL, 10) << 20;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        pid = fork();
        if (pid < 0)
                return 125;
        if (pid == 0) {
                if (rl.rlim_max)
                        setrlimit(RLIMIT_AS, &rl);
                execvp(argv[3], argv + 3);
                fprintf(stderr, "fcr-rss: cannot run %s: %s\n", argv[3], strerror(errno));
                _exit(127);
        }
        if (wait4(pid, &status, 0, &ru) < 0)
                return 125;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        f = fopen(argv[1], "w");
        if (!f)
                return 125;
        fprintf(f, "%ld %.2f\n", ru.ru_maxrss,
                (double) (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
        fclose(f);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
