/* Loading tag and allocator plugins with dlopen, refcounted.
 * Layout: DIR/tags/NAME.so and DIR/alloc/NAME.so. */
#pragma once
#include <fcreplay/allocators.h>
#include <fcreplay/plugin.h>
#include <fcreplay/diag.h>
#include <fcreplay/plugin_set.h>

/* Tag plugins are copies of full size (struct_size is this engine's):
 * optional members a plugin lacks are NULL or 0. */
const struct fcr_tag_plugin *fcr_plugins_tag(const struct fcr_plugins *p, uint16_t tag);
/* The HEAD feature bits the loaded tag plugins provide. */
uint32_t fcr_plugins_features(const struct fcr_plugins *p);
/* Judge a fast-commit tag's value by its plugin, for the scan: 1 valid,
 * 0 invalid, -ENOENT when no plugin handles tag, or when its plugin's
 * HEAD feature bit is not in head_features (not announced: unknown). */
int fcr_plugins_validate(const struct fcr_plugins *p, const struct fcr_fs_geometry *g, uint32_t head_features,
                         uint16_t tag, const uint8_t *value, uint16_t len);
const struct fcr_alloc_plugin *fcr_plugins_alloc(const struct fcr_plugins *p, const char *name);
size_t fcr_plugins_alloc_count(const struct fcr_plugins *p);
const struct fcr_alloc_plugin *fcr_plugins_alloc_nth(const struct fcr_plugins *p, size_t i);
const char *fcr_plugins_dir_of(const struct fcr_plugins *p);
