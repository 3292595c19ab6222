#include "sim/id_lists.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace msgsim {
namespace {

KeyId id_of(int n) { return make_key_id("test.id", to_bytes("id " + std::to_string(n))); }

std::vector<std::uint32_t> list(const IdLists& lists, const KeyId& id) {
  const auto found = lists.find(id);
  return {found.begin(), found.end()};
}

TEST(IdLists, KeepsEachIdsListInTheOrderAppendedAcrossGrowth) {
  IdLists lists;
  EXPECT_TRUE(lists.find(id_of(0)).empty());
  // Enough ids to grow the table several times; every third id gets a
  // second and a third entry (a list of its own), appended after the rest.
  constexpr int kIds = 3000;
  for (int n = 0; n < kIds; ++n) lists.push_back(id_of(n), static_cast<std::uint32_t>(n));
  for (int n = 0; n < kIds; n += 3) {
    lists.push_back(id_of(n), static_cast<std::uint32_t>(n + 1000000));
    lists.push_back(id_of(n), static_cast<std::uint32_t>(n + 2000000));
  }
  for (int n = 0; n < kIds; ++n) {
    const auto u = static_cast<std::uint32_t>(n);
    if (n % 3 == 0) EXPECT_EQ(list(lists, id_of(n)), (std::vector<std::uint32_t>{u, u + 1000000, u + 2000000})) << n;
    else EXPECT_EQ(list(lists, id_of(n)), std::vector<std::uint32_t>{u}) << n;
  }
  EXPECT_TRUE(lists.find(id_of(kIds)).empty()) << "an id never appended";
  // The empty id is an id like any other.
  lists.push_back(KeyId(), 7);
  EXPECT_EQ(list(lists, KeyId()), std::vector<std::uint32_t>{7});
}

TEST(IdLists, EraseIfKeepsTheOthersInOrderAndTheListTakesNewEntriesAfter) {
  IdLists lists;
  const KeyId one = id_of(1);
  const KeyId many = id_of(2);
  lists.push_back(one, 10);
  for (std::uint32_t v : {20u, 21u, 22u, 23u}) lists.push_back(many, v);

  lists.erase_if(many, [](std::uint32_t v) { return v % 2 == 1; });
  EXPECT_EQ(list(lists, many), (std::vector<std::uint32_t>{20, 22}));
  lists.erase_if(one, [](std::uint32_t v) { return v == 99; });
  EXPECT_EQ(list(lists, one), std::vector<std::uint32_t>{10}) << "nothing to drop";
  // A list emptied by erase_if is empty, and appending starts it again.
  lists.erase_if(one, [](std::uint32_t v) { return v == 10; });
  EXPECT_TRUE(lists.find(one).empty());
  lists.push_back(one, 11);
  lists.push_back(one, 12);
  EXPECT_EQ(list(lists, one), (std::vector<std::uint32_t>{11, 12}));
  lists.erase_if(many, [](std::uint32_t) { return true; });
  EXPECT_TRUE(lists.find(many).empty());
  lists.push_back(many, 30);
  EXPECT_EQ(list(lists, many), std::vector<std::uint32_t>{30});
  lists.erase_if(id_of(3), [](std::uint32_t) { return true; });  // an id never appended: nothing happens
  EXPECT_TRUE(lists.find(id_of(3)).empty());
}

}  // namespace
}  // namespace msgsim
