// tests/support: loading scenario text in tests.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "msgsim/loader.h"

namespace msgsim::testing {

// Options for the loader's own tests, with `protocols` as the known
// protocol names: the surfaces and settings the models of this version
// declare, written out here so that adding a model changes no loader test
// (the lessons load with the registry's own options, load_options()).
inline LoadOptions options_for(std::vector<std::string> protocols) {
  const std::vector<DeviceKind> apple = {DeviceKind::kIphone, DeviceKind::kIpad, DeviceKind::kMac};
  return {std::move(protocols),
          {{"imessage", "iMessage", apple, "imessage"}, {"facetime", "FaceTime", apple, "facetime"}},
          {"icloud_backup", "messages_in_icloud", "imessage", "facetime"}};
}

// The formatted error for `text` loaded as "s.toml", or "OK".
inline std::string error_of(std::string_view text, const LoadOptions& options) {
  const LoadResult result = load_scenario_text(text, "s.toml", options);
  if (const auto* error = std::get_if<LoadError>(&result)) return error->format();
  return "OK";
}

// The formatted error for `text` loaded under the name `path`, or "OK".
inline std::string error_of_file(std::string_view text, const std::string& path, const LoadOptions& options) {
  const LoadResult result = load_scenario_text(text, path, options);
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
