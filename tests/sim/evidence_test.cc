// The compact value types every artifact carries: Label, KeyId, TypeName.
#include "msgsim/evidence.h"

#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace msgsim {
namespace {

TEST(Label, HoldsItsTextAndCopiesAndMovesLikeAString) {
  const std::string text = "bob's iPhone message key, chain 3, n=17";
  Label a(text);
  EXPECT_EQ(a.str(), text);
  EXPECT_EQ(a.size(), text.size());
  EXPECT_EQ(fmt::format("[{}]", a), "[" + text + "]");
  EXPECT_EQ(a.find("chain"), text.find("chain"));

  Label copy = a;
  EXPECT_EQ(copy, a);
  EXPECT_EQ(copy.str(), text);

  Label moved = std::move(copy);
  EXPECT_EQ(moved, a);
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): a moved-from label is empty

  moved = Label("other");
  EXPECT_EQ(moved, std::string_view("other"));
  moved = a;
  EXPECT_EQ(moved, a);
  EXPECT_TRUE(Label("").empty());
  EXPECT_EQ(Label().str(), "");
  EXPECT_NE(Label("n=17"), Label("n=18"));
  EXPECT_NE(Label("chain 3"), Label("chain 3 "));
}

// Labels are kept as tokens (phrases from a shared dictionary, digit runs
// as values): every text must come back byte for byte, whatever its digits,
// spaces and bytes.
TEST(Label, GivesBackEveryTextExactly) {
  const std::vector<std::string> texts = {
      "0", "7", "007", "p0001's iPhone", "n=0", "chain 0000000000000000000000123 (25 digits)",
      "123456789012", "1234567890123", "99999999999999999999", "  two  spaces  ", " ", "a", "\t\n",
      "message 1 in alice's iPhone's Signal history", "Ali\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\x91 9",
      std::string("with\0nul 42", 11), "18446744073709551615 and 18446744073709551616"};
  for (const std::string& text : texts) {
    const Label label(text);
    EXPECT_EQ(label.str(), text);
    EXPECT_EQ(label.size(), text.size());
    EXPECT_EQ(fmt::format("{}", label), text);
    EXPECT_EQ(label, Label(text));
    EXPECT_EQ(label, std::string_view(text));
    std::string out = "> ";
    label.append_to(out);
    EXPECT_EQ(out, "> " + text);
  }
}

// Shorter than its text once phrases repeat: what the dictionary is for.
TEST(Label, ManyLabelsOfTheSamePhrasesCompareAndPrintAlike) {
  std::vector<Label> labels;
  for (int n = 0; n < 2000; ++n)
    labels.emplace_back(fmt::format("encrypted file on p{:04}'s iPhone (sending chain key, chain {}, n={})", n % 50,
                                    n / 7, n));
  for (int n = 0; n < 2000; ++n) {
    EXPECT_EQ(labels[static_cast<std::size_t>(n)].str(),
              fmt::format("encrypted file on p{:04}'s iPhone (sending chain key, chain {}, n={})", n % 50, n / 7, n));
    if (n > 0) {
      EXPECT_NE(labels[static_cast<std::size_t>(n)], labels[static_cast<std::size_t>(n - 1)]);
    }
  }
}

TEST(KeyId, KeepsFifteenBytesAndComparesByThem) {
  const Bytes long_bytes(32, 0x42);
  const KeyId id = KeyId::from(long_bytes);
  EXPECT_EQ(id.size(), kKeyIdSize);
  EXPECT_TRUE(KeyId().empty());
  EXPECT_EQ(KeyId::from(to_bytes("ab")).size(), 2u);

  const KeyId a = make_key_id("test", to_bytes("alice"));
  const KeyId b = make_key_id("test", to_bytes("bob"));
  EXPECT_EQ(a, make_key_id("test", to_bytes("alice")));
  EXPECT_NE(a, b);
  EXPECT_NE(a, make_key_id("other domain", to_bytes("alice")));
  EXPECT_TRUE(a < b || b < a);
  EXPECT_FALSE(a < a);
  // A prefix is not the same id.
  EXPECT_NE(KeyId::from(a.bytes().first(4)), a);
  EXPECT_EQ(KeyIdHash{}(a), KeyIdHash{}(make_key_id("test", to_bytes("alice"))));
  std::unordered_set<KeyId, KeyIdHash> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(make_key_id("test", to_bytes(std::to_string(i))));
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(short_id(a).size(), 8u);
}

TEST(KeyIds, HoldsNoneOneOrManyInOrderAndCopiesAndMoves) {
  const KeyId a = make_key_id("test", to_bytes("a"));
  const KeyId b = make_key_id("test", to_bytes("b"));
  const KeyId c = make_key_id("test", to_bytes("c"));
  KeyIds ids;
  EXPECT_TRUE(ids.empty());
  EXPECT_EQ(ids.begin(), ids.end());
  ids.push_back(a);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0], a);
  ids.push_back(b);
  ids.push_back(c);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(std::vector<KeyId>(ids.begin(), ids.end()), (std::vector<KeyId>{a, b, c}));
  EXPECT_EQ(ids, (KeyIds{a, b, c}));
  EXPECT_FALSE(ids == (KeyIds{a, c, b}));
  EXPECT_FALSE(ids == (KeyIds{a}));

  KeyIds copy = ids;
  EXPECT_EQ(copy, ids);
  KeyIds moved = std::move(copy);
  EXPECT_EQ(moved, ids);
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): a moved-from list is empty
  moved = KeyIds{b};
  EXPECT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0], b);
  moved = ids;
  EXPECT_EQ(moved, ids);
  KeyIds one{c};
  one = std::move(moved);
  EXPECT_EQ(one, ids);
  EXPECT_EQ(KeyIds(std::vector<KeyId>{b, a}), (KeyIds{b, a}));
}

TEST(TypeName, IsOneCopyPerNameForTheWholeProcessWhicheverThreadNamesIt) {
  const std::string built = std::string("test.") + "type-name-shared";  // not a literal's address
  const TypeName here(built);
  EXPECT_EQ(here.view(), "test.type-name-shared");
  EXPECT_EQ(TypeName("test.type-name-shared").view().data(), here.view().data()) << "the same copy, found again";
  EXPECT_NE(TypeName("test.type-name-other").view().data(), here.view().data());
  // Threads that have never seen a name before find the same copy, and a
  // name first seen on another thread is found here.
  const char* from_thread = nullptr;
  const char* new_there = nullptr;
  std::thread([&] {
    from_thread = TypeName(built).view().data();
    new_there = TypeName("test.type-name-first-seen-on-a-thread").view().data();
  }).join();
  EXPECT_EQ(from_thread, here.view().data());
  EXPECT_EQ(TypeName("test.type-name-first-seen-on-a-thread").view().data(), new_there);
  EXPECT_EQ(TypeName().view(), "");
  EXPECT_TRUE(TypeName("test.type-name-shared") == here);
}

}  // namespace
}  // namespace msgsim
