// tests/support: loading scenario text in tests.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "msgsim/loader.h"
#include "protocols/registry.h"

namespace msgsim::testing {

// The registry's options (surfaces, supported settings), with `protocols`
// as the known protocol names.
inline LoadOptions options_for(std::vector<std::string> protocols) {
  LoadOptions options = load_options();
  options.known_protocols = std::move(protocols);
  return options;
}

// The formatted error for `text` loaded as "s.toml", or "OK".
inline std::string error_of(std::string_view text, const LoadOptions& options) {
  const LoadResult result = load_scenario_text(text, "s.toml", options);
  if (const auto* error = std::get_if<LoadError>(&result)) return error->format();
  return "OK";
}

// The scenario `text` describes; a test failure if it does not load.
inline Scenario load_ok(std::string_view text, const LoadOptions& options) {
  LoadResult result = load_scenario_text(text, "s.toml", options);
  if (const auto* error = std::get_if<LoadError>(&result)) ADD_FAILURE() << error->format();
  return std::get<Scenario>(std::move(result));
}

}  // namespace msgsim::testing
