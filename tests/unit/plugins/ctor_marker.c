/* A library that is not a plugin (as libm is not) and whose constructor
 * leaves a mark: the loader must refuse it before any of its code runs.
 * The plugin race test loads it as the attacker's library too. */
#include "test_plugin.h"

__attribute__((constructor)) static void mark(void) {
        test_plugin_log("constructor ctor_marker");
}

int fcr_ctor_marker_function(void);
int fcr_ctor_marker_function(void) {
        return 1;
}
