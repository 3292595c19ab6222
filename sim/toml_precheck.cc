// The pre-check (sim/toml_precheck.h says what it checks and why).
#include "toml_precheck.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "text.h"

namespace msgsim {

LoadError file_too_large(const std::string& path, const std::string& size) {
  return LoadError{{path, 0, 0}, fmt::format("file too large: {} bytes, the limit is {} bytes", size, kMaxScenarioBytes),
                   "a scenario is a short hand-written file; is this the right file?"};
}

namespace {

class PreCheck {
 public:
  PreCheck(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  // The ASCII text for toml++, or the first problem found.
  std::variant<PreChecked, LoadError> run() {
    if (text_.size() > kMaxScenarioBytes) return file_too_large(path_, std::to_string(text_.size()));
    // A UTF-8 byte order mark is allowed at the very start (toml++ would
    // skip it); it is not a character of line 1.
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") i_ = 3;
    out_.reserve(text_.size() - i_);
    while (i_ < text_.size()) {
      const std::uint32_t column = column_;
      const auto cp = decode();
      if (!cp) return error_;
      cp_column_ = column;
      if (auto err = step(*cp, column)) return *err;
      if (*cp == '\n') {
        ++line_;
        column_ = 1;
        out_column_ = 1;
      }
    }
    return PreChecked{std::move(out_), std::move(positions_)};
  }

 private:
  enum class State { kNormal, kComment, kBasic, kLiteral, kMlBasic, kMlLiteral };

  LoadError at(std::uint32_t column, std::string message, std::string hint) const {
    return LoadError{{path_, line_, column}, std::move(message), std::move(hint)};
  }

  // Decodes the code point at i_, advancing i_ and the column; nullopt (with
  // error_ set) on NUL or invalid UTF-8.
  std::optional<char32_t> decode() {
    const auto b0 = static_cast<unsigned char>(text_[i_]);
    if (b0 == 0) {
      error_ = at(column_, "NUL byte in the file", "a scenario is UTF-8 text; is this a binary file?");
      return std::nullopt;
    }
    const std::optional<char32_t> cp = text::decode_utf8(text_, i_);
    if (!cp) {
      error_ = at(column_, fmt::format("invalid UTF-8 (byte 0x{:02X})", b0), "save the scenario as UTF-8 text");
      return std::nullopt;
    }
    ++column_;
    return cp;
  }

  // --- output

  // Emits the rewritten form of the current code point.
  void put(std::string_view s) {
    const auto length = static_cast<std::uint32_t>(s.size());
    if (length != 1) positions_.add_expansion(line_, cp_column_, out_column_, length);
    out_.append(s);
    out_column_ += length;
  }
  void put(char c) { put(std::string_view(&c, 1)); }

  // Consumes one more ASCII byte of a delimiter (the 2nd and 3rd quote of
  // ''' or """) as a code point of its own, emitting `c` for it.
  void take_ascii(char c) {
    cp_column_ = column_;
    ++i_, ++column_;
    put(c);
  }

  void put_escaped(char32_t cp) {
    const auto v = static_cast<std::uint32_t>(cp);
    put(v <= 0xFFFF ? fmt::format("\\u{:04X}", v) : fmt::format("\\U{:08X}", v));
  }

  // The next raw bytes, for detecting ''' and """ (all ASCII).
  bool next_is(std::string_view s) const { return text_.substr(i_, s.size()) == s; }

  // How many `quote` bytes follow the current code point.
  std::size_t quotes_after(char quote) const {
    std::size_t n = 0;
    while (i_ + n < text_.size() && text_[i_ + n] == quote) ++n;
    return n;
  }

  // A '[' that opens a line outside any array starts a table header: the
  // name must follow. Called with i_ just past the '['.
  std::optional<LoadError> check_table_header(std::uint32_t column) const {
    std::size_t k = i_;
    if (k < text_.size() && text_[k] == '[') ++k;
    while (k < text_.size() && (text_[k] == ' ' || text_[k] == '\t')) ++k;
    const char c = k < text_.size() ? text_[k] : '\n';
    const bool starts_key = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                            c == '_' || c == '-' || c == '"' || c == '\'';
    if (starts_key) return std::nullopt;
    return at(column, "expected a table name after '['", "a table header looks like [[party]]");
  }

  std::optional<LoadError> step(char32_t cp, std::uint32_t column) {
    const bool line_start = line_start_;
    // A line break ends a key and a comment, and outside an array it starts
    // the next key. (Inside a multi-line string it is text; after a table
    // header left open, the parser reports that header.)
    if (cp == '\n' && state_ != State::kMlBasic && state_ != State::kMlLiteral)
      start_key(open_.empty() || open_.back() != '[');
    line_start_ = cp == '\n' || (line_start && state_ == State::kNormal && (cp == ' ' || cp == '\t'));
    switch (state_) {
      case State::kNormal: return step_normal(cp, column, line_start);
      case State::kComment:
        if (cp == '\n') state_ = State::kNormal;
        // Comment text is dropped by the parser; '?' keeps the columns.
        put(cp < 0x80 ? static_cast<char>(cp) : '?');
        return std::nullopt;
      case State::kBasic:
      case State::kMlBasic: return step_basic(cp, column);
      case State::kLiteral:
      case State::kMlLiteral: step_literal(cp); return std::nullopt;
    }
    return std::nullopt;
  }

  // Where a key may start: at a line's start, after a table header's '[',
  // and after '{' or ',' in an inline table.
  void start_key(bool can_start) {
    in_key_ = can_start;
    key_column_ = 0;
    key_dots_ = 0;
  }

  std::optional<LoadError> step_normal(char32_t cp, std::uint32_t column, bool line_start) {
    if (cp >= 0x80)
      return at(column, fmt::format("unexpected non-ASCII character U+{:04X} outside a string", std::uint32_t{cp}),
                "names and keys are ASCII; put text in quotes, e.g. label = \"Zoé\"");
    const char c = static_cast<char>(cp);
    const char previous = previous_;
    previous_ = c;
    if (in_key_ && key_column_ == 0 && std::string_view(" \t\r\n#[]{},=").find(c) == std::string_view::npos)
      key_column_ = column;
    if (c == '#') {
      state_ = State::kComment;
    } else if (c == '"' || c == '\'') {
      // A literal string is handed over as the equivalent basic string, so
      // that its non-ASCII characters can be written as escapes.
      const bool multi = next_is(c == '"' ? "\"\"" : "''");
      state_ = (c == '"') ? (multi ? State::kMlBasic : State::kBasic) : (multi ? State::kMlLiteral : State::kLiteral);
      put('"');
      if (multi) take_ascii('"'), take_ascii('"');
      return std::nullopt;
    } else if (c == '[' || c == '{') {
      char kind = c;
      if (c == '[' && open_.empty() && line_start) {
        if (auto err = check_table_header(column)) return err;
        kind = kHeader;
      } else if (c == '[' && open_.size() == 1 && open_.back() == kHeader && previous == '[') {
        kind = kHeader;  // the second '[' of "[["
      }
      open_ += kind;
      if (open_.size() > static_cast<std::size_t>(kMaxNesting))
        return at(column, fmt::format("nesting deeper than {} levels of [ ] and {{ }}", kMaxNesting),
                  "a scenario needs only a few levels; is a closing bracket missing?");
      // Anything in a table header is its name.
      start_key(kind != '[' || open_.front() == kHeader);
    } else if (c == ']' || c == '}') {
      // An unbalanced closer is the parser's error to report; it must not
      // hide a deep nesting that follows.
      if (!open_.empty()) open_.pop_back();
      in_key_ = false;
    } else if (c == '=') {
      in_key_ = false;
    } else if (c == ',') {
      start_key(!open_.empty() && open_.back() == '{');
    } else if (c == '.' && in_key_ && ++key_dots_ >= kMaxKeyParts) {
      // A value's dots (1.5, 07:32:00.5) are never counted: a value starts
      // after '=', or in an array.
      if (!open_.empty() && open_.front() == kHeader)
        return at(key_column_, fmt::format("table name with more than {} parts", kMaxKeyParts),
                  "a scenario's tables are named like [[party]] or [[adversary.powers]]; is a dot misplaced?");
      return at(key_column_, fmt::format("dotted key with more than {} parts", kMaxKeyParts),
                "a scenario's keys have one or two parts (title, adversary.powers); is a dot misplaced?");
    }
    put(c);
    return std::nullopt;
  }

  // Consumes a closing run of quotes, the current one included: TOML reads
  // up to two quotes before the final three as content ("""a"""" is a" then
  // the end). Content quotes are emitted as `content`, the delimiter as """.
  void close_multiline(char quote, char content) {
    const std::size_t run = std::min<std::size_t>(1 + quotes_after(quote), 5);
    const std::size_t content_quotes = run - 3;
    put(content_quotes > 0 ? content : '"');
    for (std::size_t k = 1; k < run; ++k) take_ascii(k < content_quotes ? content : '"');
    state_ = State::kNormal;
  }

  std::optional<LoadError> step_basic(char32_t cp, std::uint32_t column) {
    const bool multi = state_ == State::kMlBasic;
    if (escape_) {
      escape_ = false;
      // Not a TOML escape; rewritten as \uXXXX it would become a valid one.
      if (cp >= 0x80)
        return at(column, fmt::format("invalid escape sequence: backslash followed by U+{:04X}", std::uint32_t{cp}),
                  "write \\\\ for a backslash");
      put(static_cast<char>(cp));
    } else if (cp >= 0x80) {
      put_escaped(cp);
    } else if (cp == '\\') {
      escape_ = true;
      put('\\');
    } else if (cp == '"' && multi && next_is("\"\"")) {
      close_multiline('"', '"');
      return std::nullopt;
    } else {
      if (cp == '"' && !multi) state_ = State::kNormal;
      put(static_cast<char>(cp));
    }
    // A single-line string ends at the line's end, closed or not: the parser
    // reports the missing quote, the scan resynchronises.
    if (!multi && cp == '\n') state_ = State::kNormal, escape_ = false;
    return std::nullopt;
  }

  void step_literal(char32_t cp) {
    const bool multi = state_ == State::kMlLiteral;
    if (cp == '\'' && multi && next_is("''")) {
      close_multiline('\'', '\'');
    } else if (cp == '\'') {
      // A lone ' ends a single-line literal string; inside a multi-line one
      // it is content.
      if (!multi) state_ = State::kNormal;
      put(multi ? '\'' : '"');
    } else if (cp >= 0x80) {
      put_escaped(cp);
    } else if (cp == '\\') {
      put("\\\\");
    } else if (cp == '"') {
      put("\\\"");
    } else {
      put(static_cast<char>(cp));
      if (!multi && cp == '\n') state_ = State::kNormal;
    }
  }

  std::string_view text_;
  const std::string& path_;
  std::size_t i_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t column_ = 1;
  State state_ = State::kNormal;
  bool escape_ = false;
  bool line_start_ = true;  // only spaces and tabs so far on this line, outside strings
  // The open brackets, innermost last: '[' an array, '{' an inline table,
  // kHeader a table header's '[' (two for "[[").
  static constexpr char kHeader = 'h';
  std::string open_;
  char previous_ = '\n';  // the previous character outside strings and comments
  // The key being read, if any: a key's parts are counted by its dots
  // outside quotes (a quoted part is a string to the scan).
  bool in_key_ = true;
  std::uint32_t key_column_ = 0;  // where it starts; 0 before its first character
  int key_dots_ = 0;
  LoadError error_;

  std::uint32_t cp_column_ = 1;  // original column of the code point being rewritten
  std::string out_;
  std::uint32_t out_column_ = 1;  // column of the next rewritten byte; lines are the same
  PositionMap positions_;
};

}  // namespace

std::variant<PreChecked, LoadError> precheck_toml(std::string_view text, const std::string& path) {
  return PreCheck(text, path).run();
}

}  // namespace msgsim
