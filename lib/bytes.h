/* The byte helpers are public, shared with the tag plugins. */
#pragma once
#include <fcreplay/bytes.h>
