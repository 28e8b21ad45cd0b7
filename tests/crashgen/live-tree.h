/* The mounted tree in fcr-fctree's format (see live-tree.c). */
#pragma once

/* Write the tree under rootfd to file; a negative errno on failure. */
int fcr_live_tree(int rootfd, const char *file);
