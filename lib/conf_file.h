/* Public: <fcreplay/conf_file.h>. */
#pragma once
#include <fcreplay/conf_file.h>
