#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include "args.h"

int fcrd_args_parse(int argc, char **argv, struct fcrd_args *ret, char *why, size_t why_len) {
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "check-config", no_argument, NULL, 't' },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {}
        };
        struct fcrd_args a = {};
        int opt;

        optind = 0;             /* from the start, whatever ran before */
        opterr = 0;             /* the caller tells */
        while ((opt = getopt_long(argc, argv, "c:tvhV", opts, NULL)) != -1) {
                switch (opt) {
                case 'c': a.config = optarg; break;
                case 't': a.check_only = true; break;
                case 'v': a.verbose = true; break;
                case 'h': a.help = true; break;
                case 'V': a.version = true; break;
                default:
                        snprintf(why, why_len, "bad option %s", argv[optind - 1]);
                        return -EINVAL;
                }
        }
        if (optind != argc) {
                snprintf(why, why_len, "unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        *ret = a;
        return 0;
}
