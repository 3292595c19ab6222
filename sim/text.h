// sim/text.h: what the loader's errors, the command line and the report
// writers share to show text a user wrote: UTF-8 decoding, the characters
// that must never reach a terminal or a document raw, and quoting.
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
#include <string>
#include <string_view>

namespace msgsim::text {

// Decodes one UTF-8 code point at s[i], advancing i. Invalid bytes yield
// U+FFFD and advance by one, so that hostile input still prints.
inline char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) -> int {
    if (i + k >= s.size()) return -1;
    const auto b = static_cast<unsigned char>(s[i + k]);
    return (b & 0xC0u) == 0x80u ? (b & 0x3F) : -1;
  };
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0u) == 0xC0u) {
    len = 2;
    cp = b0 & 0x1Fu;
  } else if ((b0 & 0xF0u) == 0xE0u) {
    len = 3;
    cp = b0 & 0x0Fu;
  } else if ((b0 & 0xF8u) == 0xF0u) {
    len = 4;
    cp = b0 & 0x07u;
  } else {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k < len; ++k) {
    const int c = cont(static_cast<std::size_t>(k));
    if (c < 0) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | static_cast<char32_t>(c);
  }
  i += static_cast<std::size_t>(len);
  return cp;
}

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
inline std::string printable(std::string_view s, std::size_t max_chars = std::string_view::npos) {
  std::string out;
  std::size_t used = 0;
  for (std::size_t i = 0; i < s.size(); ++used) {
    if (used >= max_chars) {
      out += "...";
      break;
    }
    const std::size_t start = i;
    const char32_t cp = next_code_point(s, i);
    const std::string_view bytes = s.substr(start, i - start);
    if (cp < 0x20 || cp == 0x7F) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(cp));
    } else if (cp == 0xFFFD && bytes != "\xEF\xBF\xBD") {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(bytes[0]));  // not UTF-8
    } else if (is_control(cp) || is_invisible_format(cp)) {
      out += escaped(cp);
    } else {
      out += bytes;
    }
  }
  return out;
}

// User text quoted in a message is cut after this many characters, so that
// a megabyte-long name still gives a short one-line error.
inline constexpr std::size_t kMaxQuotedChars = 48;

// 'text', printable and cut after `max_chars` characters, for messages:
// "unknown protocol 'signl'".
inline std::string quote(std::string_view s, std::size_t max_chars = kMaxQuotedChars) {
  return "'" + printable(s, max_chars) + "'";
}

}  // namespace msgsim::text
