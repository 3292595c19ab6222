// The compact value types every artifact carries: Label and KeyId.
#include "msgsim/evidence.h"

#include <unordered_set>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace msgsim {
namespace {

TEST(Label, HoldsItsTextAndCopiesAndMovesLikeAString) {
  const std::string text = "bob's iPhone message key, chain 3, n=17";
  Label a(text);
  EXPECT_EQ(a.view(), text);
  EXPECT_EQ(a.size(), text.size());
  EXPECT_EQ(fmt::format("[{}]", a), "[" + text + "]");
  EXPECT_EQ(a.find("chain"), text.find("chain"));

  Label copy = a;
  EXPECT_EQ(copy, a);
  EXPECT_NE(copy.view().data(), a.view().data());  // its own text

  Label moved = std::move(copy);
  EXPECT_EQ(moved, a);
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): a moved-from label is empty

  moved = Label("other");
  EXPECT_EQ(moved, std::string_view("other"));
  moved = a;
  EXPECT_EQ(moved, a);
  EXPECT_TRUE(Label("").empty());
  EXPECT_EQ(Label().view(), "");
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

}  // namespace
}  // namespace msgsim
