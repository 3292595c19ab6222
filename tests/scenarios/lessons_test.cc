// Every lesson in scenarios/ loads, runs, and meets its own [[expect]]s: the
// readers it states are the readers the closure computes.
#include <filesystem>
#include <variant>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "msgsim/engine.h"
#include "msgsim/loader.h"
#include "msgsim/report.h"
#include "protocols/registry.h"

namespace msgsim {
namespace {

std::vector<std::string> lesson_files() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(std::string(MSGSIM_SOURCE_DIR) + "/scenarios"))
    if (e.path().extension() == ".toml") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

Scenario load(const std::string& path) {
  LoadResult r = load_scenario_file(path, load_options());
  if (auto* err = std::get_if<LoadError>(&r)) ADD_FAILURE() << err->format();
  return std::get<Scenario>(std::move(r));
}

class Lesson : public ::testing::TestWithParam<std::string> {};

TEST_P(Lesson, MeetsItsExpectations) {
  const Scenario s = load(GetParam());
  ASSERT_FALSE(s.expectations.empty()) << "a lesson states what it teaches";
  const Report report = run_scenario(s, {}, find_model);
  for (const ExpectationResult& e : report.expectations)
    EXPECT_TRUE(e.ok) << GetParam() << ": " << e.protocol << " message " << e.message << ": expected ["
                      << fmt::format("{}", fmt::join(e.expected, ", ")) << "] got ["
                      << fmt::format("{}", fmt::join(e.actual, ", ")) << "]";
}

TEST_P(Lesson, SameSeedGivesByteIdenticalJsonCsvAndMarkdown) {
  const Scenario s = load(GetParam());
  ASSERT_TRUE(s.seed.has_value());
  const Report a = run_scenario(s, {}, find_model);
  const Report b = run_scenario(s, {}, find_model);
  for (Format f : {Format::kJson, Format::kCsv, Format::kMarkdown}) EXPECT_EQ(render(a, f), render(b, f));
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Lesson, ::testing::ValuesIn(lesson_files()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = std::filesystem::path(param.param).stem().string();
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
}  // namespace msgsim
