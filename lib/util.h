/* Public: <fcreplay/util.h>. */
#pragma once
#include <fcreplay/util.h>
