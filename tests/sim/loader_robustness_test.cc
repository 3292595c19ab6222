// Hostile input never crashes, hangs or throws out of the loader: every
// input gives either a Scenario or a LoadError with a message. Run under the
// ASan/UBSan build, where toml++'s undefined behaviour would abort the test.
// All randomness comes from fixed seeds, so a failure replays exactly.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "msgsim/loader.h"
#include "tests/support/loading.h"

namespace msgsim {
namespace {

const LoadOptions kOptions = testing::options_for({"imessage", "signal", "whatsapp"});

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// Loads `text` and checks the outcome is well formed; counts the outcomes.
struct Outcomes {
  int scenarios = 0;
  int errors = 0;

  void load(const std::string& text) {
    LoadResult result;
    try {
      result = load_scenario_text(text, "fuzz.toml", kOptions);
    } catch (...) {
      ADD_FAILURE() << "exception escaped for input of " << text.size() << " bytes: " << ::testing::PrintToString(text);
      return;
    }
    if (const auto* error = std::get_if<LoadError>(&result)) {
      ++errors;
      EXPECT_FALSE(error->message.empty()) << ::testing::PrintToString(text);
      EXPECT_EQ(error->pos.file, "fuzz.toml");
    } else {
      ++scenarios;
    }
  }
};

// Text that steers toml++ into its less common paths: delimiters, escapes,
// non-ASCII characters (among them U+00A7, U+032A and U+3000, which hit
// toml++'s unreachable code), odd numbers and dates, key names.
const std::vector<std::string> kFragments = {
    "[", "]", "[[", "]]", "{", "}", "=", ",", ".", "\"", "'", "\"\"\"", "'''", "#", "\\", "\\u", "\\U0001F600",
    "\n", "\r\n", "\t", " ", "\xc2\xa7", "\xcc\xaa", "\xe3\x80\x80", "\xc3\xa9", "\xf0\x9d\x84\x9e", "\x7f",
    "true", "inf", "nan", "-0", "0x7f", "1e400", "99999999999999999999", "1979-05-27T07:32:00Z", "07:32",
    "party", "power", "exploit", "name", "to", "from", "at", "&",
};
// Bytes no text file holds: the pre-check's business.
const std::vector<std::string> kBadBytes = {std::string(1, '\0'), "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82"};

TEST(LoaderRobustness, FixedHostileInputs) {
  Outcomes o;
  for (const std::string& text : std::vector<std::string>{
           "",
           " \n\t\r\n",
           std::string(100000, '['),
           std::string(100000, '{'),
           "a = " + std::string(100000, '['),
           "a = " + std::string(100000, '{'),
           "[[" + std::string(100000, 'a') + "]]",
           "a = 1e400",
           "seed = 1e400",
           "seed = 99999999999999999999999999999999999999",
           "seed = -99999999999999999999999999999999999999",
           "seed = 0x" + std::string(1000, 'f'),
           std::string("title = \"\0\"", 11),
           std::string(1000, '\0'),
           "title = \"\xff\xfe\"",
           "\xfe\xff\x00t\x00i",
           "title = \"" + std::string(1 << 20, 'x') + "\"",
           std::string(1 << 16, '\n'),
           "[&",
           "\xcc\xaa",
           "s = \"\"\"\\\n\xc2\xa7\"\"\"",
           "a = \"\"\"" + std::string(50000, '\\'),
           "a." + std::string(20000, 'b') + " = 1",
           // A key or table name of 300,000 parts overflowed the stack in
           // toml++ (600 KB files; through validate, run and stdin alike).
           "x" + repeat(".a", 300000) + " = 1",
           "[a" + repeat(".a", 300000) + "]",
           "[[a" + repeat(".a", 300000) + "]]",
           "t = {a" + repeat(".a", 300000) + " = 1}",
           "\"a\"" + repeat(" . \"a\"", 100000) + " = 1",
           "a = [" + std::string(30000, ',') + "]",
           std::string(kMaxScenarioBytes + 1, ' '),
       }) {
    o.load(text);
  }
  EXPECT_EQ(o.scenarios, 0);
}

TEST(LoaderRobustness, RandomBytesFromAFixedSeed) {
  std::mt19937_64 rng(20240601);
  Outcomes o;
  for (int n = 0; n < 400; ++n) {
    std::string text(rng() % 600, '\0');
    for (char& c : text) c = static_cast<char>(rng() & 0xff);
    o.load(text);
  }
  // Fragments glued at random reach deeper into the parser than raw bytes.
  for (int n = 0; n < 600; ++n) {
    std::string text;
    for (auto k = rng() % 80; k > 0; --k) text += kFragments[rng() % kFragments.size()];
    if (n % 10 == 0) text.insert(text.empty() ? 0 : rng() % text.size(), kBadBytes[rng() % kBadBytes.size()]);
    o.load(text);
  }
  EXPECT_EQ(o.errors + o.scenarios, 1000);
}

TEST(LoaderRobustness, ThousandsOfMutationsOfAValidScenario) {
  const std::string valid = read_file(std::string(MSGSIM_SOURCE_DIR) + "/tests/data/loader/good/full.toml");
  ASSERT_FALSE(valid.empty());
  std::mt19937_64 rng(7);
  Outcomes o;
  for (int n = 0; n < 3000; ++n) {
    std::string text = valid;
    for (auto edits = 1 + rng() % 4; edits > 0; --edits) {
      const std::size_t at = text.empty() ? 0 : rng() % text.size();
      switch (rng() % 6) {
        case 0: text.erase(at, 1 + rng() % 16); break;
        case 1: text.insert(at, 1, static_cast<char>(rng() & 0xff)); break;
        case 2:
          text.insert(at, rng() % 8 == 0 ? kBadBytes[rng() % kBadBytes.size()] : kFragments[rng() % kFragments.size()]);
          break;
        case 3:
          if (!text.empty()) text[at] = static_cast<char>(rng() & 0xff);
          break;
        case 4: {  // duplicate a slice elsewhere
          const std::string slice = text.substr(at, rng() % 64);
          text.insert(text.empty() ? 0 : rng() % text.size(), slice);
          break;
        }
        default: text.insert(at, std::string(1 + rng() % 40, "[{\"'"[rng() % 4])); break;
      }
    }
    o.load(text);
  }
  // Some mutations keep the file valid (inside a string, say): both kinds
  // of outcome occur, so the test exercises the validator as well as the
  // parser.
  EXPECT_GT(o.scenarios, 0);
  EXPECT_GT(o.errors, 2000);
}

// Dotted keys and table names of random lengths, some far past
// kMaxKeyParts, in every place a key can stand, quoted or not, with or
// without spaces, nested in inline tables and arrays.
TEST(LoaderRobustness, DeepDottedKeysFromAFixedSeed) {
  std::mt19937_64 rng(20260601);
  const auto key = [&](std::size_t parts) {
    static const char* const kParts[] = {"a", "\"b\"", "'c'", "1", "d-e"};
    static const char* const kDots[] = {".", " . ", "\t.", "..", ".\n"};
    std::string out = kParts[rng() % 5];
    const bool tidy = rng() % 4 != 0;  // else the dots and parts vary (often invalid TOML)
    for (std::size_t i = 1; i < parts; ++i) out += (tidy ? std::string(".") : kDots[rng() % 5]) + kParts[rng() % 5];
    return out;
  };
  const auto length = [&] {
    switch (rng() % 4) {
      case 0: return static_cast<std::size_t>(1 + rng() % kMaxKeyParts);
      case 1: return static_cast<std::size_t>(kMaxKeyParts - 2 + rng() % 5);
      case 2: return static_cast<std::size_t>(1 + rng() % 2000);
      default: return static_cast<std::size_t>(1 + rng() % 100000);
    }
  };
  Outcomes o;
  for (int n = 0; n < 300; ++n) {
    std::string text;
    for (auto lines = 1 + rng() % 4; lines > 0; --lines) {
      switch (rng() % 5) {
        case 0: text += "[" + key(length()) + "]\n"; break;
        case 1: text += "[[" + key(length()) + "]]\n"; break;
        case 2: text += key(length()) + " = 1\n"; break;
        case 3: text += "t" + std::to_string(n) + " = { " + key(length()) + " = { " + key(length()) + " = 2 } }\n"; break;
        default: text += "u" + std::to_string(n) + " = [ { " + key(length()) + " = [1.5] } ]\n"; break;
      }
    }
    o.load(text);
  }
  EXPECT_EQ(o.errors + o.scenarios, 300);
}

// The deepest tree the pre-check lets through: a table name and keys of
// kMaxKeyParts parts, in inline tables nested kMaxNesting deep. toml++
// builds, walks and frees it recursively; it must fit the stack.
TEST(LoaderRobustness, DeepestTreeThePreCheckAllowsLoads) {
  const std::string key = "a" + repeat(".a", kMaxKeyParts - 1);
  std::string text = "[" + key + "]\n" + key + " = ";
  for (int i = 1; i < kMaxNesting; ++i) text += "{ " + key + " = ";
  text += "1" + repeat(" }", kMaxNesting - 1) + "\n";
  const LoadResult result = load_scenario_text(text, "deep.toml", kOptions);
  ASSERT_TRUE(std::holds_alternative<LoadError>(result));
  EXPECT_EQ(std::get<LoadError>(result).format(),
            "deep.toml:1:2: error: unknown key 'a'\n"
            "hint: expected one of: title, description, seed, protocols, party, provider, adversary, change, message, expect");
}

// Thousands of actors, messages and expectations load, and in a time linear
// enough for the test's timeout (name lookups are maps, not list searches).
TEST(LoaderRobustness, LargeScenarioLoads) {
  constexpr int kCount = 5000;
  std::string text = "title = \"many\"\nprotocols = [\"signal\"]\n";
  for (int i = 0; i < kCount; ++i) text += "[[party]]\nname = \"p" + std::to_string(i) + "\"\n";
  for (int i = 0; i < kCount; ++i)
    text += "[[message]]\nfrom = \"p" + std::to_string(i) + "\"\nto = \"p" + std::to_string((i + 1) % kCount) +
            "\"\ntext = \"m\"\n";
  text += "[[expect]]\nreadable_by = [";
  for (int i = kCount - 1; i >= 0; --i) text += "\"p" + std::to_string(i) + "\", ";
  text += "]\n";
  LoadResult result = load_scenario_text(text, "big.toml", kOptions);
  ASSERT_TRUE(std::holds_alternative<Scenario>(result)) << std::get<LoadError>(result).format();
  const Scenario& s = std::get<Scenario>(result);
  EXPECT_EQ(s.parties.size(), static_cast<std::size_t>(kCount));
  ASSERT_EQ(s.messages.size(), static_cast<std::size_t>(kCount));
  EXPECT_EQ(s.messages.back().id, kCount);
  EXPECT_EQ(s.messages.back().to, std::vector<std::string>{"p0"});
  ASSERT_EQ(s.expectations.at(0).readable_by.size(), static_cast<std::size_t>(kCount));
  EXPECT_EQ(s.expectations[0].readable_by.front(), "p0");  // sorted as strings
  EXPECT_EQ(s.expectations[0].readable_by[1], "p1");
  EXPECT_EQ(s.expectations[0].readable_by[2], "p10");

  // An unknown name among them gets a hint whose list of actors is cut.
  text += "[[expect]]\nreadable_by = [\"zz\"]\n";
  result = load_scenario_text(text, "big.toml", kOptions);
  ASSERT_TRUE(std::holds_alternative<LoadError>(result));
  EXPECT_EQ(std::get<LoadError>(result).hint,
            "actors: apple, carrier, google, p0, p1, p10, p100, p1000, p1001, p1002, p1003, p1004, ... (4993 "
            "more)");
}

}  // namespace
}  // namespace msgsim
