// sim/text.h: what the loader's errors, the command line and the report
// writers share to show text a user wrote: UTF-8 decoding, the characters
// that must never reach a terminal or a document raw, quoting, and laying
// text out in columns (wrap, pad, join). Each exists once, here.
//
// A scenario (or a file name, or an argument) is text from anyone: a
// lesson downloaded from a colleague, a file a journalist received. Whatever
// it holds, msgsim's output must show what is there, and only that:
//   - C0 and C1 control characters (ESC, BEL, CSI U+009B, ...) would drive
//     the terminal;
//   - bidirectional overrides and isolates (U+202A..U+202E,
//     U+2066..U+2069, the marks U+200E, U+200F, U+061C) reorder what is
//     shown after them ("Trojan Source", CVE-2021-42574);
//   - zero-width characters (U+200B..U+200D, U+2060..U+2064, U+FEFF,
//     U+180E) hide inside a word, so that two names look the same;
//   - the line and paragraph separators U+2028, U+2029 break a line where
//     the format has none.
// The writers show the last three kinds as \uXXXX (is_invisible_format);
// each writer treats control characters as it always has (the reports print
// them as spaces, errors as \xNN).
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace msgsim::text {

// Decodes one UTF-8 code point at s[i], advancing i past it; nullopt, with
// i unchanged, when the bytes there are not UTF-8 (a bad or truncated
// sequence, an overlong form, a UTF-16 surrogate, past U+10FFFF).
std::optional<char32_t> decode_utf8(std::string_view s, std::size_t& i);
// The same, for text to show: a byte that is not UTF-8 yields U+FFFD and
// advances by one, so that hostile input still prints.
char32_t next_code_point(std::string_view s, std::size_t& i);
void append_utf8(std::string& out, char32_t cp);

// A C0 or C1 control character, or DEL.
inline bool is_control(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp < 0xA0); }

// A character that changes how the text around it is shown without showing
// itself: bidirectional controls, zero-width characters, line and paragraph
// separators (see the top of this file).
inline bool is_invisible_format(char32_t cp) {
  return cp == 0x061C || cp == 0x180E || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

// How a hidden character is shown: "\u202E", the escape a TOML string (and
// JSON) would use for it.
inline std::string escaped(char32_t cp) { return fmt::format("\\u{:04X}", static_cast<std::uint32_t>(cp)); }

// `s` with every character that could drive a terminal or hide shown as an
// escape: C0 controls and DEL as \xNN, C1 controls and invisible format
// characters as \uXXXX, a byte that is not UTF-8 as \xNN. After `max_chars`
// characters the rest is cut and "..." appended (never inside a character).
// For user text inside messages, errors and file names.
std::string printable(std::string_view s, std::size_t max_chars = std::string_view::npos);

// User text quoted in a message is cut after this many characters, so that
// a megabyte-long name still gives a short one-line error.
inline constexpr std::size_t kMaxQuotedChars = 48;

// 'text', printable and cut after `max_chars` characters, for messages:
// "unknown protocol 'signl'".
inline std::string quote(std::string_view s, std::size_t max_chars = kMaxQuotedChars) {
  return "'" + printable(s, max_chars) + "'";
}

// ---- Laying text out (reports, usage texts) -------------------------------

// Terminal columns a code point takes: 0 for combining marks and
// zero-width characters, 2 for East Asian wide characters and emoji.
int column_width(char32_t cp);
std::size_t display_width(std::string_view s);

// One line of printable text: control characters (including ESC, so a
// scenario cannot drive the terminal) and line breaks become spaces, runs of
// white space collapse, invalid UTF-8 becomes U+FFFD, and characters that
// reorder or hide text are shown as \uXXXX.
std::string one_line(std::string_view s);
// Like one_line, but keeps line breaks (descriptions are paragraphs).
std::string printable_lines(std::string_view s);
// At most `width` columns of one_line(s), ending in "…" when cut.
std::string excerpt(std::string_view s, std::size_t width);

// Words of `text` (separated by spaces) in lines of at most `width`
// columns (a longer word gets a line of its own), the first line after
// `first`, the others after `rest` (a hanging indent for list items); each
// line ends in "\n".
std::string wrap(std::string_view text, std::size_t width, std::string_view first, std::string_view rest);
inline std::string wrap(std::string_view text, std::size_t width, std::string_view indent) {
  return wrap(text, width, indent, indent);
}
// `s` followed by spaces up to `width` columns.
std::string pad(std::string_view s, std::size_t width);
std::string repeat(std::string_view s, std::size_t n);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// "a, b, c"; after `max_items` items, ", ... (N more)", so that a hint
// naming thousands of parties stays one readable line.
std::string cut_list(const std::vector<std::string>& items, std::size_t max_items = 12);

}  // namespace msgsim::text
