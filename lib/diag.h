/* Public: <fcreplay/diag.h>. */
#pragma once
#include <fcreplay/diag.h>
