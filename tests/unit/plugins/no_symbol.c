/* A shared object that exports no plugin descriptor. */
#include "test_plugin.h"

int fcr_not_a_plugin(void);
int fcr_not_a_plugin(void) {
        return 42;
}
