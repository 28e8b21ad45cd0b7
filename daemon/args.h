/* fcreplayd's own command line (the kernel's is cmdline.c's). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct fcrd_args {
        const char *config;             /* --config; NULL: fcrd_config_path() */
        bool check_only;                /* --check-config */
        bool verbose, help, version;
};

/* 0, or -EINVAL with why set (a bad option or an extra argument). */
int fcrd_args_parse(int argc, char **argv, struct fcrd_args *ret, char *why, size_t why_len);
