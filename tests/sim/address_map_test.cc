#include "sim/address_map.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace msgsim {
namespace {

TEST(AddressMap, KeepsTheFirstNumberForAnAddressAcrossGrowth) {
  // Enough addresses to grow the table several times (16 slots at first).
  std::vector<std::unique_ptr<int>> objects;
  for (int i = 0; i < 5000; ++i) objects.push_back(std::make_unique<int>(i));
  AddressMap<std::uint32_t> index;
  EXPECT_EQ(index.find(objects[0].get()), nullptr);
  for (std::uint32_t i = 0; i < objects.size(); ++i) {
    const auto [number, inserted] = index.emplace(objects[i].get(), i);
    EXPECT_TRUE(inserted);
    EXPECT_EQ(number, i);
  }
  EXPECT_EQ(index.size(), objects.size());
  // A second emplace finds the first number and stores nothing.
  const auto [number, inserted] = index.emplace(objects[42].get(), 7);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(number, 42u);
  EXPECT_EQ(index.size(), objects.size());
  for (std::uint32_t i = 0; i < objects.size(); ++i) {
    const std::uint32_t* found = index.find(objects[i].get());
    ASSERT_NE(found, nullptr) << i;
    EXPECT_EQ(*found, i);
  }
}

TEST(AddressMap, FindsNothingForAnAddressNeverStored) {
  // Neighbouring addresses of one array: they share their high bits and
  // differ by a small stride, the case the hash has to spread.
  std::vector<double> cells(1000);
  AddressMap<std::uint32_t> index;
  for (std::uint32_t i = 0; i < cells.size(); i += 2) index.emplace(&cells[i], i);
  for (std::uint32_t i = 0; i < cells.size(); ++i) {
    const std::uint32_t* found = index.find(&cells[i]);
    if (i % 2 == 0) {
      ASSERT_NE(found, nullptr);
      EXPECT_EQ(*found, i);
    } else {
      EXPECT_EQ(found, nullptr);
    }
  }
  EXPECT_EQ(index.find(nullptr), nullptr);
  EXPECT_THROW(index.emplace(nullptr, 1), std::invalid_argument);
}

}  // namespace
}  // namespace msgsim
