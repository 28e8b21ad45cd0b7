/* Strings from the disk made valid UTF-8 or safe text (escape.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcreplay/escape.h>

static uint32_t decode(const unsigned char *u, size_t n) {
        uint32_t c = n == 1 ? u[0] : u[0] & (0xff >> (n + 1));

        for (size_t i = 1; i < n; i++)
                c = c << 6 | (u[i] & 0x3f);
        return c;
}

size_t fcr_utf8_char(const char *s, size_t len) {
        static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
        const unsigned char *u = (const unsigned char *) s;
        size_t n = u[0] < 0x80 ? 1 : u[0] >= 0xc2 && u[0] < 0xe0 ? 2 : (u[0] & 0xf0) == 0xe0 ? 3
                 : u[0] >= 0xf0 && u[0] < 0xf5 ? 4 : 0;
        uint32_t c;

        if (!n || n > len)
                return 0;
        for (size_t i = 1; i < n; i++)
                if ((u[i] & 0xc0) != 0x80)
                        return 0;
        c = decode(u, n);
        if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || (c >= 0xfdd0 && c <= 0xfdef) ||
            (c & 0xfffe) == 0xfffe)
                return 0;
        return n;
}

/* Valid characters a terminal or a reader would not show as themselves:
 * C0 and C1 controls, DEL, line and paragraph separators, and the marks
 * and overrides that reorder what follows them. */
static int unprintable(const char *s, size_t n) {
        uint32_t c = decode((const unsigned char *) s, n);

        return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x200e || c == 0x200f || (c >= 0x2028 && c <= 0x202e) ||
               (c >= 0x2066 && c <= 0x2069);
}

/* Each character of s (n: its length) or stray byte (n: 0) written at o;
 * returns the end of what was written. */
typedef char *(*put_fn)(char *o, const char *c, size_t n);

static char *put_valid(char *o, const char *c, size_t n) {
        if (!n)
                return (char *) memcpy(o, "\xef\xbf\xbd", 3) + 3;        /* U+FFFD */
        return (char *) memcpy(o, c, n) + n;
}

static char *put_text(char *o, const char *c, size_t n) {
        if (n && !unprintable(c, n)) {
                if (*c == '\\')
                        *o++ = '\\';
                return (char *) memcpy(o, c, n) + n;
        }
        /* Not a character, or not one to show: its bytes. */
        for (size_t i = 0; i < (n ? n : 1); i++)
                o += sprintf(o, "\\x%02x", (unsigned char) c[i]);
        return o;
}

/* s in a new string at most grow times as long. */
static char *transform(const char *s, size_t len, size_t grow, put_fn put) {
        char *out = malloc(grow * len + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < len;) {
                size_t n = fcr_utf8_char(s + i, len - i);

                o = put(o, s + i, n);
                i += n ? n : 1;
        }
        *o = '\0';
        return out;
}

char *fcr_utf8_make_valid(const char *s, size_t len) {
        return transform(s, len, 3, put_valid);
}

char *fcr_escape_text(const char *s, size_t len) {
        return transform(s, len, 4, put_text);
}
