// tests/protocols: a model's docs/models/<name>.md carries every line of its
// `msgsim list --details` text (ModelInfo::details), as a line of its own,
// or as a "# " / "## " heading.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "msgsim/model.h"

namespace msgsim::testing {

inline void expect_doc_carries_details(const ModelInfo& model) {
  const std::string path = std::string(MSGSIM_SOURCE_DIR) + "/docs/models/" + std::string(model.name) + ".md";
  std::ifstream f(path);
  ASSERT_TRUE(f) << path << " is missing";
  std::set<std::string> doc_lines;
  for (std::string line; std::getline(f, line);) doc_lines.insert(line);
  std::istringstream details{std::string(model.details)};
  std::size_t lines = 0;
  for (std::string line; std::getline(details, line);) {
    if (line.empty()) continue;
    ++lines;
    EXPECT_TRUE(doc_lines.count(line) || doc_lines.count("# " + line) || doc_lines.count("## " + line))
        << "not in " << path << ": " << line;
  }
  EXPECT_GT(lines, 1u);
}

}  // namespace msgsim::testing
