// tests/support: building scenarios in code, for engine and model tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "msgsim/engine.h"
#include "msgsim/scenario.h"
#include "protocols/registry.h"

namespace msgsim::testing {

inline Party party(std::string name, std::vector<DeviceKind> devices = {DeviceKind::kIphone},
                   std::string country = "US") {
  Party p;
  p.name = name;
  p.label = name;
  p.country = std::move(country);
  p.devices.assign(devices.begin(), devices.end());
  return p;
}

inline Message message(int id, std::int64_t at, std::string from, std::string to, std::string text) {
  Message m;
  m.id = id;
  m.at = at;
  m.from = std::move(from);
  m.to = {std::move(to)};
  m.text = std::move(text);
  return m;
}

// A test parameter's name for a model: its registry name, '-' as '_'
// ("imessage_icloud"), for INSTANTIATE_TEST_SUITE_P.
inline std::string model_param_name(const ::testing::TestParamInfo<const ModelInfo*>& p) {
  std::string n(p.param->name);
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

// The attack surface a registered model declares under `name` ("imessage"),
// as the loader resolves an exploit's `via`.
inline AttackSurface surface(std::string_view name) {
  for (const AttackSurface& s : attack_surfaces())
    if (s.name == name) return s;
  throw std::invalid_argument("no model declares attack surface " + std::string(name));
}

inline Power power(PowerKind kind, std::int64_t at, std::string target = "", std::string_view via = "") {
  Power p;
  p.kind = kind;
  p.at = at;
  p.target = std::move(target);
  if (!via.empty()) p.via = surface(via);
  return p;
}

inline Adversary adversary(std::string name, std::string country, std::vector<Power> powers) {
  Adversary a;
  a.name = name;
  a.label = name;
  a.country = std::move(country);
  a.powers = std::move(powers);
  return a;
}

// alice and bob (one iPhone each, in the US) exchange three messages at t=1,2,3.
// A [[change]] of one setting of `party` at `at` (a bool setting, or, with
// `text`, an enum one); `device`: of that device only (0-based).
inline Change change(std::int64_t at, std::string party, std::string_view setting, bool value,
                     std::optional<std::size_t> device = std::nullopt) {
  Change c;
  c.at = at;
  c.party = std::move(party);
  c.device = device;
  c.set = {SettingValue{find_setting(setting), value, {}, 0}};
  return c;
}
inline Change change(std::int64_t at, std::string party, std::string_view setting, std::string text) {
  Change c = change(at, std::move(party), setting, false);
  c.set.front().text = std::move(text);
  return c;
}

inline Scenario conversation(std::vector<std::string> protocols) {
  Scenario s;
  s.path = "test";
  s.title = "test";
  s.seed = 7;
  s.protocols = std::move(protocols);
  s.parties = {party("alice"), party("bob")};
  s.messages = {message(1, 1, "alice", "bob", "one"), message(2, 2, "bob", "alice", "two"),
                message(3, 3, "alice", "bob", "three")};
  return s;
}

// Sorted names of the actors who read `message` in `r`.
inline std::vector<std::string> readers(const ProtocolResult& r, int message) {
  std::vector<std::string> out = r.readers(message);
  std::sort(out.begin(), out.end());
  return out;
}

inline ProtocolResult simulate(const Scenario& s, const ModelInfo& model) {
  Simulation sim(s, model, make_seeded_rng(s.seed.value_or(1), model.name));
  sim.run();
  return sim.close();
}

}  // namespace msgsim::testing
