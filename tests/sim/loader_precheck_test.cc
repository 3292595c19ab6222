// The loader's pre-check: what it refuses before toml++ parses (size, NUL,
// UTF-8, nesting, stray non-ASCII) with the position of the offending byte,
// and how non-ASCII text in strings and comments survives the rewrite that
// keeps toml++ on ASCII input.
#include <gtest/gtest.h>

#include <string>

#include "msgsim/loader.h"
#include "tests/support/loading.h"

namespace msgsim {
namespace {

const LoadOptions kOptions = testing::options_for({"imessage", "signal"});

std::string error_of(std::string_view text) { return testing::error_of(text, kOptions); }

Scenario load_ok(std::string_view text) { return testing::load_ok(text, kOptions); }

const std::string kParties = "protocols = [\"signal\"]\n[[party]]\nname = \"alice\"\n[[party]]\nname = \"bob\"\n";

TEST(LoaderPreCheck, NulByteIsReportedWhereItIs) {
  using namespace std::string_literals;
  EXPECT_EQ(error_of("title = \"a\0b\"\n"s),
            "s.toml:1:11: error: NUL byte in the file\n"
            "hint: a scenario is UTF-8 text; is this a binary file?");
}

TEST(LoaderPreCheck, InvalidUtf8IsReportedWhereItIs) {
  const std::string hint = "\nhint: save the scenario as UTF-8 text";
  EXPECT_EQ(error_of("title = \"t\"\n  \xff"), "s.toml:2:3: error: invalid UTF-8 (byte 0xFF)" + hint);
  // Overlong '/', a UTF-16 surrogate, past U+10FFFF, a truncated sequence,
  // a lone continuation byte: none is UTF-8.
  EXPECT_EQ(error_of("# \xc0\xaf"), "s.toml:1:3: error: invalid UTF-8 (byte 0xC0)" + hint);
  EXPECT_EQ(error_of("t = \"\xed\xa0\x80\""), "s.toml:1:6: error: invalid UTF-8 (byte 0xED)" + hint);
  EXPECT_EQ(error_of("t = \"\xf4\x90\x80\x80\""), "s.toml:1:6: error: invalid UTF-8 (byte 0xF4)" + hint);
  EXPECT_EQ(error_of("t = \"\xe2\x82"), "s.toml:1:6: error: invalid UTF-8 (byte 0xE2)" + hint);
  EXPECT_EQ(error_of("\x80"), "s.toml:1:1: error: invalid UTF-8 (byte 0x80)" + hint);
  // Columns count characters, not bytes.
  EXPECT_EQ(error_of("t = \"\xc3\xa9\xe2\x82\xac\xff\""), "s.toml:1:8: error: invalid UTF-8 (byte 0xFF)" + hint);
}

TEST(LoaderPreCheck, NestingDeeperThanTheLimitIsReportedAtTheBracket) {
  static_assert(kMaxNesting == 32, "update the columns below");
  EXPECT_EQ(error_of("title = \"t\"\na = " + std::string(33, '[')),
            "s.toml:2:37: error: nesting deeper than 32 levels of [ ] and { }\n"
            "hint: a scenario needs only a few levels; is a closing bracket missing?");
  EXPECT_EQ(error_of("a = [{b = [{c = " + std::string(40, '{')),
            "s.toml:1:45: error: nesting deeper than 32 levels of [ ] and { }\n"
            "hint: a scenario needs only a few levels; is a closing bracket missing?");
  // At the limit the pre-check lets the file through; the validator then
  // rejects the key.
  EXPECT_EQ(error_of("a = " + std::string(32, '[') + std::string(32, ']') + "\n"),
            "s.toml:1:1: error: unknown key 'a'\n"
            "hint: expected one of: title, description, seed, protocols, party, provider, adversary, change, message, "
            "expect");
}

// A key of 300,000 parts (x.a.a...a = 1), or a table header as long, made
// toml++ build, walk and free 300,000 nested tables recursively: SIGSEGV.
std::string parts(int n) {
  std::string key = "a";
  for (int i = 1; i < n; ++i) key += ".a";
  return key;
}

TEST(LoaderPreCheck, DottedKeyWithTooManyPartsIsReportedAtTheKey) {
  static_assert(kMaxKeyParts == 32, "update the texts below");
  const std::string key_error =
      "error: dotted key with more than 32 parts\n"
      "hint: a scenario's keys have one or two parts (title, adversary.powers); is a dot misplaced?";
  const std::string table_error =
      "error: table name with more than 32 parts\n"
      "hint: a scenario's tables are named like [[party]] or [[adversary.powers]]; is a dot misplaced?";
  EXPECT_EQ(error_of("title = \"t\"\n  x." + parts(300000) + " = 1\n"), "s.toml:2:3: " + key_error);
  EXPECT_EQ(error_of("[" + parts(300000) + "]\n"), "s.toml:1:2: " + table_error);
  EXPECT_EQ(error_of("[[ " + parts(33) + "]]\n"), "s.toml:1:4: " + table_error);
  // Quoted parts, spaces around the dots, an inline table, after a comment
  // or a multi-line array: still parts of a key.
  EXPECT_EQ(error_of("\"q\" . 'r' . " + parts(31) + " = 1"), "s.toml:1:1: " + key_error);
  EXPECT_EQ(error_of("t = { b = 1, " + parts(33) + " = 1 }"), "s.toml:1:14: " + key_error);
  EXPECT_EQ(error_of("t = [ { " + parts(33) + " = 1 } ]"), "s.toml:1:9: " + key_error);
  EXPECT_EQ(error_of("t = 1 # c\n" + parts(33) + " = 1"), "s.toml:2:1: " + key_error);
  EXPECT_EQ(error_of("t = [\n1.5,\n]\n" + parts(33) + " = 1"), "s.toml:4:1: " + key_error);
  // At the limit the pre-check lets the file through; the validator then
  // rejects the key.
  const std::string unknown_a =
      "error: unknown key 'a'\n"
      "hint: expected one of: title, description, seed, protocols, party, provider, adversary, change, message, expect";
  EXPECT_EQ(error_of(parts(32) + " = 1\n"), "s.toml:1:1: " + unknown_a);
  EXPECT_EQ(error_of("[" + parts(32) + "]\n"), "s.toml:1:2: " + unknown_a);
  // Dots in values are not parts of a key: a float, a time, strings.
  EXPECT_EQ(error_of("t = [" + std::string(40, ' ') + "1.5, 2.5, 07:32:00.5, \"" + parts(40) + "\"]\n"),
            "s.toml:1:1: error: unknown key 't'\n"
            "hint: expected one of: title, description, seed, protocols, party, provider, adversary, change, message, "
            "expect");
}

TEST(LoaderPreCheck, BracketsInStringsAndCommentsAreNotNesting) {
  const std::string deep(40, '[');
  const Scenario s = load_ok("title = \"" + deep + "\" # " + deep + "\ndescription = '" + deep + "'\n" + kParties);
  EXPECT_EQ(s.title, deep);
  EXPECT_EQ(s.description, deep);
}

TEST(LoaderPreCheck, FileLargerThanTheLimitIsRefusedUnread) {
  const std::string huge(kMaxScenarioBytes + 1, '#');
  EXPECT_EQ(error_of(huge), "s.toml: error: file too large: 67108865 bytes, the limit is 67108864 bytes\n"
                            "hint: a scenario is a short hand-written file; is this the right file?");
}

TEST(LoaderPreCheck, NonAsciiOutsideStringsIsRejected) {
  EXPECT_EQ(error_of("t\xc3\xaftle = \"x\"\n"),
            "s.toml:1:2: error: unexpected non-ASCII character U+00EF outside a string\n"
            "hint: names and keys are ASCII; put text in quotes, e.g. label = \"Zo\xc3\xa9\"");
}

TEST(LoaderPreCheck, NonAsciiTextInStringsAndCommentsIsKept) {
  const Scenario s = load_ok(
      "# Caf\xc3\xa9 \xf0\x9d\x84\x9e comment\n"
      "title = \"Zo\xc3\xa9 \xf0\x9d\x84\x9e \\\"q\\\"\"  # \xc3\xa9\n"
      "description = '''\n"
      "C:\\dir \"\xc3\xa9\" ''quoted'''''\n" +
      kParties +
      "label = 'Bj\xc3\xb6rk \\n \"x\"'\n"
      "[[message]]\nfrom = \"alice\"\nto = \"bob\"\n"
      "text = \"\"\"\xe2\x80\x9cOn se voit \xc3\xa0 18h ?\xe2\x80\x9d\"\"\"\"\n");
  EXPECT_EQ(s.title, "Zo\xc3\xa9 \xf0\x9d\x84\x9e \"q\"");
  EXPECT_EQ(s.description, "C:\\dir \"\xc3\xa9\" ''quoted''");
  EXPECT_EQ(s.parties[1].label, "Bj\xc3\xb6rk \\n \"x\"");
  EXPECT_EQ(s.messages[0].text, "\xe2\x80\x9cOn se voit \xc3\xa0 18h ?\xe2\x80\x9d\"");
}

TEST(LoaderPreCheck, ByteOrderMarkIsAllowed) {
  const Scenario s = load_ok("\xEF\xBB\xBFtitle = \"t\"\n" + kParties);
  EXPECT_EQ(s.title, "t");
  EXPECT_EQ(error_of("\xEF\xBB\xBFtitle = 1\n"),
            "s.toml:1:9: error: wrong type for 'title': expected a string, got an integer");
}

TEST(LoaderPreCheck, PositionsAfterRewrittenTextAreTheUsersColumns) {
  // Non-ASCII characters before the mistake on the same line are handed to
  // toml++ as longer escapes; the error still points at the user's column.
  EXPECT_EQ(error_of("title = \"t\"\n" + kParties +
                     "label = '\xc3\xa9\xc3\xa9', country = \"fr\"\n"),
            "s.toml:7:13: error: invalid TOML: error while parsing key-value pair: expected a comment or whitespace, "
            "saw ','");
  EXPECT_EQ(error_of("title = \"t\"\nprotocols = [\"signal\"]\n"
                     "party = [{ name = \"zo\", label = \"Zo\xc3\xa9 \xf0\x9d\x84\x9e\", country = \"fr\" }]\n"),
            "s.toml:3:52: error: invalid country code 'fr'\n"
            "hint: country codes are in capitals: 'FR'");
  // A control character right after a rewritten one: toml++ points just
  // past the escape, which is the user's next column.
  EXPECT_EQ(error_of("title = \"\xc3\xa9\x01\"\n"),
            "s.toml:1:11: error: invalid TOML: error while parsing string: unescaped control characters other than TAB "
            "(U+0009) are explicitly prohibited");
}

}  // namespace
}  // namespace msgsim
