// One regression test per input that crashed or reached undefined behaviour
// in toml++ 3.3.0 (Debian) before the loader's pre-check; each must now give
// a clean result under ASan/UBSan. The first comment line of each test says
// what broke.
#include <gtest/gtest.h>

#include <string>

#include "msgsim/loader.h"
#include "tests/support/loading.h"

namespace msgsim {
namespace {

const LoadOptions kOptions = testing::options_for({"imessage", "signal"});

std::string error_of(std::string_view text) { return testing::error_of(text, kOptions); }

const std::string kRest = "protocols = [\"signal\"]\n[[party]]\nname = \"a\"\n[[party]]\nname = \"b\"\n";

TEST(LoaderRegression, TableHeaderWithoutNameIsAnErrorNotAnAssertion) {
  // "[&": toml++ parse_key() asserts on a header not starting with a key
  // (abort with assertions, UB without; marzer/tomlplusplus#294).
  EXPECT_EQ(error_of("[&"),
            "s.toml:1:1: error: expected a table name after '['\n"
            "hint: a table header looks like [[party]]");
  EXPECT_EQ(error_of("title = \"t\"\n  [[ \xc3\xa9]]"),
            "s.toml:2:3: error: expected a table name after '['\n"
            "hint: a table header looks like [[party]]");
  EXPECT_EQ(error_of("[]"),
            "s.toml:1:1: error: expected a table name after '['\n"
            "hint: a table header looks like [[party]]");
}

TEST(LoaderRegression, NonAsciiCharacterAtTopLevelIsAnError) {
  // "\xcc\xaa" (U+032A): is_non_ascii_horizontal_whitespace() reached
  // __builtin_unreachable (marzer/tomlplusplus#295).
  EXPECT_EQ(error_of("\xcc\xaa"),
            "s.toml:1:1: error: unexpected non-ASCII character U+032A outside a string\n"
            "hint: names and keys are ASCII; put text in quotes, e.g. label = \"Zo\xc3\xa9\"");
}

TEST(LoaderRegression, LineEndingBackslashBeforeNonAsciiLoads) {
  // A multi-line basic string whose line-ending backslash is followed by
  // U+00A7 reached __builtin_unreachable (marzer/tomlplusplus#190).
  LoadResult result = load_scenario_text("title = \"\"\"\\\n  \xc2\xa7 ok\"\"\"\n" + kRest, "s.toml", kOptions);
  ASSERT_TRUE(std::holds_alternative<Scenario>(result)) << std::get<LoadError>(result).format();
  EXPECT_EQ(std::get<Scenario>(result).title, "\xc2\xa7 ok");
}

TEST(LoaderRegression, BackslashBeforeNonAsciiInAStringIsAnInvalidEscape) {
  // '\' then U+00E9 in a multi-line string reached the same unreachable
  // point; it is no TOML escape, so it is reported as one.
  EXPECT_EQ(error_of("title = \"\"\"a\\\xc3\xa9\"\"\"\n"),
            "s.toml:1:14: error: invalid escape sequence: backslash followed by U+00E9\n"
            "hint: write \\\\ for a backslash");
  EXPECT_EQ(error_of("title = \"a\\\xc3\xa9\"\n"),
            "s.toml:1:12: error: invalid escape sequence: backslash followed by U+00E9\n"
            "hint: write \\\\ for a backslash");
}

TEST(LoaderRegression, QuoteInsideABareValueDoesNotHideNonAscii) {
  // Found by fuzzing: "k =-mmees=ss-me-s'oto\xc3\xa9..." - toml++ reads the
  // quote as part of a bare value and classified U+00E9 as possible
  // whitespace (unreachable); an earlier pre-check took the quote for the
  // start of a string and let the character through.
  const std::string got = error_of("k =-mmees=ss-me-s'oto\xc3\xa9mMeee");
  EXPECT_EQ(got.rfind("s.toml:1:", 0), 0u) << got;
  EXPECT_NE(got.find("error: invalid TOML: "), std::string::npos) << got;
}

TEST(LoaderRegression, ParserAssertionsBecomeErrorsAtTheCharacter) {
  // Found by fuzzing: toml++ 3.3.0 fails an internal check (UB without
  // assertions) on '}' as an array element and on some broken date-times.
  // The check is turned into an error; its position is found by shrinking
  // the input to the shortest prefix that still fails it.
  const std::string hint = "\nhint: a value is probably missing or malformed here";
  EXPECT_EQ(error_of("a = [1, }"),
            "s.toml:1:9: error: invalid TOML: the parser cannot read this (its internal check "
            "'!is_value_terminator(*cp)' failed)" + hint);
  EXPECT_EQ(error_of("title = \"\xc3\xa9\xc3\xa9\"\na= [\"\xc3\xa9\", }\n"),
            "s.toml:2:10: error: invalid TOML: the parser cannot read this (its internal check "
            "'!is_value_terminator(*cp)' failed)" + hint);
  EXPECT_EQ(error_of("a =1979-05-27 2\n"),
            "s.toml:1:16: error: invalid TOML: the parser cannot read this (its internal check "
            "'!is_value_terminator(*cp)' failed)" + hint);
  EXPECT_EQ(error_of("d = 1979-05-27T~07:1Z\n"),
            "s.toml:1:19: error: invalid TOML: the parser cannot read this (its internal check "
            "'is_decimal_digit(*cp)' failed)" + hint);
}

TEST(LoaderRegression, HugeAndSpecialNumbersAreErrorsNotCrashes) {
  // 1e400 overflows a double; toml++ must report it rather than store inf.
  EXPECT_EQ(error_of("seed = 1e400\n"),
            "s.toml:1:13: error: invalid TOML: error while parsing floating-point: '1e400' could not be "
            "interpreted as a value");
  EXPECT_EQ(error_of("title = \"t\"\nseed = inf\n"),
            "s.toml:2:8: error: wrong type for 'seed': expected an integer, got a floating-point number");
  EXPECT_EQ(error_of("title = \"t\"\nseed = -9223372036854775808\n"),
            "s.toml:2:8: error: 'seed' must be an unsigned integer, got -9223372036854775808\n"
            "hint: use 0 or a positive number");
}

}  // namespace
}  // namespace msgsim
