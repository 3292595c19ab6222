#include "text.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace msgsim::text {

std::optional<char32_t> decode_utf8(std::string_view s, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  std::size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (b0 < 0x80) {
    len = 1, cp = b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1Fu, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0Fu, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07u, min = 0x10000;
  }
  bool ok = len != 0 && i + len <= s.size();
  for (std::size_t k = 1; ok && k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) ok = false;
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not
  // UTF-8 either.
  if (!ok || cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return std::nullopt;
  i += len;
  return cp;
}

char32_t next_code_point(std::string_view s, std::size_t& i) {
  if (const auto cp = decode_utf8(s, i)) return *cp;
  ++i;
  return 0xFFFD;
}

std::string printable(std::string_view s, std::size_t max_chars) {
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

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Terminal columns a code point takes: 0 for combining marks and
// zero-width characters, 2 for East Asian wide characters and emoji.
int column_width(char32_t cp) {
  if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0xFE00 && cp <= 0xFE0F))
    return 0;
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
      (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) || (cp >= 0x1F900 && cp <= 0x1F9FF) ||
      (cp >= 0x20000 && cp <= 0x3FFFD))
    return 2;
  return 1;
}

std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) w += static_cast<std::size_t>(column_width(next_code_point(s, i)));
  return w;
}

// One line of printable text: control characters (including ESC, so a
// scenario cannot drive the terminal) and line breaks become spaces, runs of
// white space collapse, invalid UTF-8 becomes U+FFFD, and characters that
// reorder or hide text (text.h) are shown as \uXXXX.
std::string one_line(std::string_view s) {
  std::string out;
  bool space = false;
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = next_code_point(s, i);
    if (text::is_control(cp)) cp = ' ';
    if (cp == ' ') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    if (text::is_invisible_format(cp)) out += text::escaped(cp);
    else append_utf8(out, cp);
  }
  return out;
}

// Like one_line, but keeps line breaks (descriptions are paragraphs).
std::string printable_lines(std::string_view s) {
  std::string out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t nl = s.find('\n', start);
    const std::string_view line = s.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out += one_line(line);
    if (nl == std::string_view::npos) break;
    out += '\n';
    start = nl + 1;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// At most `width` columns of one_line(s), ending in "…" when cut.
std::string excerpt(std::string_view s, std::size_t width) {
  const std::string line = one_line(s);
  if (display_width(line) <= width) return line;
  std::string out;
  std::size_t w = 0;
  for (std::size_t i = 0; i < line.size();) {
    const std::size_t before = i;
    const char32_t cp = next_code_point(line, i);
    const auto cw = static_cast<std::size_t>(column_width(cp));
    if (w + cw + 1 > width) break;
    w += cw;
    out.append(line, before, i - before);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "…";
}

// Words of `text` in lines of at most `width` columns (a longer word gets a
// line of its own), the first line after `first`, the others after `rest`.
std::string wrap(std::string_view text, std::size_t width, std::string_view first, std::string_view rest) {
  std::string out(first);
  std::size_t col = display_width(first);
  const std::size_t rest_width = display_width(rest);
  bool line_empty = true;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(start, end - start);
    start = end + 1;
    if (word.empty()) continue;
    const std::size_t w = display_width(word);
    if (!line_empty && col + 1 + w > width) {
      out += "\n";
      out += rest;
      col = rest_width;
      line_empty = true;
    }
    if (!line_empty) {
      out += ' ';
      ++col;
    }
    out += word;
    col += w;
    line_empty = false;
  }
  return out + "\n";
}

std::string pad(std::string_view s, std::size_t width) {
  std::string out(s);
  const std::size_t w = display_width(s);
  if (w < width) out.append(width - w, ' ');
  return out;
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  return fmt::format("{}", fmt::join(parts, sep));
}

std::string cut_list(const std::vector<std::string>& items, std::size_t max_items) {
  if (items.size() <= max_items) return join(items, ", ");
  const std::vector<std::string> head(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(max_items));
  return fmt::format("{}, ... ({} more)", join(head, ", "), items.size() - max_items);
}

}  // namespace msgsim::text
