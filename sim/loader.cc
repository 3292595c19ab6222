// The scenario loader: bytes -> pre-check -> toml++ -> validated Scenario.
//
// Layout of this file:
//   1. toml++ configuration (header-only, assertions turned into exceptions)
//   2. small helpers (quoting, edit distance, type names)
//   3. the validator that walks the TOML tree and builds the Scenario
//   4. the public entry points
// The byte-level pre-check that runs before toml++ sees the input is
// sim/toml_precheck.cc.
#include "msgsim/loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <istream>
#include <map>
#include <new>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <sys/stat.h>

#include "text.h"
#include "toml_precheck.h"

// ---------------------------------------------------------------------------
// 1. toml++ configuration.
//
// toml++ 3.3.0 guards its parser's invariants with TOML_ASSERT and
// TOML_ASSERT_ASSUME. With the defaults, a failed invariant either aborts
// (assert) or, under NDEBUG, becomes __builtin_assume / nothing and the parser
// walks on into undefined behaviour (marzer/tomlplusplus#294: "[&"). We route
// both macros to a function that throws, and catch that in
// load_scenario_text(). NDEBUG is lifted while the header is read because
// toml++ unconditionally replaces TOML_ASSERT by a no-op when NDEBUG is set,
// and maps TOML_ASSERT_ASSUME to TOML_ASSERT only when it is not.
//
// Caveat: a few asserts sit in noexcept functions (step_back, go_back), where
// a throw would call std::terminate, and TOML_UNREACHABLE cannot be hooked at
// all. So the hook is the second line of defence: the pre-check (toml_precheck.cc)
// keeps the input classes known to reach toml++'s bugs away from it, and the
// robustness tests (plus a libFuzzer run during development) feed the whole
// loader hostile input under ASan/UBSan.
namespace msgsim::loader_detail {
struct TomlAssertionFailed {
  const char* expression;
};
[[noreturn]] inline void toml_assertion_failed(const char* expression) { throw TomlAssertionFailed{expression}; }
}  // namespace msgsim::loader_detail

#pragma push_macro("NDEBUG")
#undef NDEBUG
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 1
#define TOML_ENABLE_FORMATTERS 0
// Backstop only: the pre-check already refuses nesting deeper than kMaxNesting.
#define TOML_MAX_NESTED_VALUES 64
#define TOML_ASSERT(expr) \
  ((expr) ? static_cast<void>(0) : ::msgsim::loader_detail::toml_assertion_failed(#expr))
#define TOML_ASSERT_ASSUME(expr) TOML_ASSERT(expr)
#include <toml++/toml.h>
#pragma pop_macro("NDEBUG")

static_assert(msgsim::kMaxNesting < 64, "TOML_MAX_NESTED_VALUES must stay above the pre-check's limit");

namespace msgsim {
namespace {

// Words longer than this get no "did you mean": the edit distance costs
// O(length x candidate length) and no real typo is that long.
constexpr std::size_t kMaxSuggestLength = 64;

// The names of the built-in providers (world.h), for lookups and hints.
std::vector<std::string> builtin_provider_names() {
  std::vector<std::string> out;
  for (const ProviderInfo& p : builtin_providers()) out.emplace_back(p.name);
  return out;
}

// ---------------------------------------------------------------------------
// 2. Helpers.

// 'text', printable and cut after kMaxQuotedChars characters, for messages
// (text.h: control characters as \xNN, C1 controls and characters that
// reorder or hide text as \uXXXX).
std::string quote(std::string_view text) { return text::quote(text, text::kMaxQuotedChars); }

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Optimal string alignment distance (Levenshtein plus adjacent
// transpositions, so "titel" is one edit from "title"), case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const bool same = ascii_lower(a[i - 1]) == ascii_lower(b[j - 1]);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
      if (i > 1 && j > 1 && ascii_lower(a[i - 1]) == ascii_lower(b[j - 2]) &&
          ascii_lower(a[i - 2]) == ascii_lower(b[j - 1]))
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    prev2.swap(prev);
    prev.swap(cur);
  }
  return prev[m];
}

using text::cut_list;

template <typename Range>
std::vector<std::string> to_strings(const Range& range) {
  std::vector<std::string> out;
  for (const auto& item : range) out.emplace_back(item);
  return out;
}

// "did you mean 'x'?" when a candidate is close, else "expected one of: ...".
std::string suggestion(std::string_view word, const std::vector<std::string>& candidates, std::string_view what) {
  const std::string match = closest_match(word, candidates);
  if (!match.empty()) return fmt::format("did you mean '{}'?", match);
  if (candidates.empty()) return {};
  return fmt::format("{} {}", what, cut_list(candidates));
}

// "a string", "an integer", ...: the type of a TOML value as a user reads it.
std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::none: break;
  }
  return "nothing";
}

bool is_valid_name(std::string_view name) {
  if (name.empty() || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// A read that failed (`error`: its errno, or 0 if unknown), which must not
// read as the end of a short file.
LoadError read_error(const std::string& path, int error) {
  const std::string why = error != 0 ? std::strerror(error) : "read error";
  if (path == "-")
    return LoadError{{path, 0, 0}, fmt::format("cannot read the scenario from standard input: {}", why),
                     "pipe the scenario in (msgsim validate - < lesson.toml), or give its file name"};
  return LoadError{{path, 0, 0}, fmt::format("cannot read the scenario: {}", why), ""};
}

bool is_country_code(std::string_view code) {
  return code.size() == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z';
}

// ---------------------------------------------------------------------------
// 3. The validator.

// Unwinds from deep inside the validator to load_scenario_text(), which
// returns the LoadError as a value; never escapes this file.
struct Failure {
  LoadError error;
};

// One kind of table ([[party]], a power, ...): its keys and how to name it.
struct KeySet {
  std::string_view context;                // "[[party]]", "power 'exploit'"; empty for the top level
  std::vector<std::string_view> known;     // accepted keys
  std::vector<std::string_view> later;     // keys of the contract marked (later)
};

class Validator {
 public:
  Validator(const toml::table& root, const std::string& path, const PositionMap& positions,
            const LoadOptions& options)
      : root_(root), path_(path), positions_(positions), options_(options) {
    for (const ProviderInfo& p : builtin_providers())
      actors_.emplace(std::string(p.name), ActorEntry{"built-in provider", SourcePos{}});
  }

  bool supported(const SettingSpec& spec) const {
    return std::find(options_.settings.begin(), options_.settings.end(), spec.name) != options_.settings.end();
  }

  Scenario build() {
    Scenario s;
    s.path = path_;
    check_keys(root_, KeySet{"",
                             {"title", "description", "seed", "protocols", "party", "provider", "adversary",
                              "change", "message", "expect"},
                             {"sweep"}});
    s.title = required_string(root_, "title", "add a line like: title = \"Alice and Bob\"");
    if (s.title.empty()) fail(root_.get("title")->source(), "'title' must not be empty", "");
    if (const auto* node = root_.get("description")) s.description = as_string(*node, "description");
    if (const auto* node = root_.get("seed")) {
      const std::int64_t seed = as_integer(*node, "seed");
      if (seed < 0)
        fail(node->source(), fmt::format("'seed' must be an unsigned integer, got {}", seed),
             "use 0 or a positive number");
      s.seed = static_cast<std::uint64_t>(seed);
    }
    s.protocols = read_protocols();
    const auto parties = tables_of("party");
    if (parties.size() > kMaxParties)
      fail(parties[kMaxParties]->source(),
           fmt::format("too many parties: {}, the limit is {}", parties.size(), kMaxParties),
           fmt::format("msgsim runs at most {} parties (as many as msgsim generate writes); a lesson needs a handful",
                       kMaxParties));
    for (const auto* t : parties) s.parties.push_back(read_party(*t));
    for (const auto* t : tables_of("provider")) s.providers.push_back(read_provider(*t));
    // Adversaries and messages name parties, which are all known by now
    // whatever their order in the file.
    for (const auto* t : tables_of("adversary")) s.adversaries.push_back(read_adversary(*t, s));
    for (const auto* t : tables_of("change")) s.changes.push_back(read_change(*t, s));
    for (const auto* t : tables_of("message")) s.messages.push_back(read_message(*t, s));
    for (const auto* t : tables_of("expect")) s.expectations.push_back(read_expect(*t, s));
    return s;
  }

 private:
  struct ActorEntry {
    std::string kind;  // "party", "adversary", "built-in provider"
    SourcePos pos;
  };

  SourcePos pos_of(const toml::source_region& region) const {
    return SourcePos{path_, region.begin.line, positions_.column(region.begin.line, region.begin.column)};
  }

  [[noreturn]] void fail(const toml::source_region& region, std::string message, std::string hint) const {
    throw Failure{LoadError{pos_of(region), std::move(message), std::move(hint)}};
  }
  [[noreturn]] void fail_file(std::string message, std::string hint) const {
    throw Failure{LoadError{SourcePos{path_, 0, 0}, std::move(message), std::move(hint)}};
  }

  std::string where(const SourcePos& pos) const {
    return pos.line == 0 ? std::string("built in") : fmt::format("line {}, column {}", pos.line, pos.column);
  }

  // Rejects the first key (in file order) that the table may not hold:
  // "not supported yet" for a (later) key, "unknown key" with a hint
  // otherwise.
  void check_keys(const toml::table& table, const KeySet& keys) const {
    const toml::key* first = nullptr;
    for (const auto& [key, value] : table) {
      (void)value;
      if (std::find(keys.known.begin(), keys.known.end(), key.str()) != keys.known.end()) continue;
      const auto& b = key.source().begin;
      if (first == nullptr || std::pair(b.line, b.column) < std::pair(first->source().begin.line,
                                                                       first->source().begin.column))
        first = &key;
    }
    if (first == nullptr) return;
    const std::string_view name = first->str();
    const std::string in = keys.context.empty() ? std::string() : fmt::format(" in {}", keys.context);
    if (std::find(keys.later.begin(), keys.later.end(), name) != keys.later.end()) {
      const std::string shown = (name == "sweep") ? "[sweep]" : quote(name);
      fail(first->source(), fmt::format("{} is not supported yet", shown),
           "the format reserves it for a later version of msgsim; remove it for now");
    }
    std::vector<std::string> candidates = to_strings(keys.known);
    fail(first->source(), fmt::format("unknown key {}{}", quote(name), in),
         suggestion(name, candidates, "expected one of:"));
  }

  // --- typed accessors: each names the expected type on mismatch.

  [[noreturn]] void wrong_type(const toml::node& node, std::string_view key, std::string_view expected) const {
    fail(node.source(), fmt::format("wrong type for '{}': expected {}, got {}", key, expected, type_name(node)), "");
  }

  std::string as_string(const toml::node& node, std::string_view key) const {
    if (const auto* v = node.as_string()) return v->get();
    wrong_type(node, key, "a string");
  }

  std::int64_t as_integer(const toml::node& node, std::string_view key) const {
    if (const auto* v = node.as_integer()) return v->get();
    wrong_type(node, key, "an integer");
  }

  bool as_bool(const toml::node& node, std::string_view key) const {
    if (const auto* v = node.as_boolean()) return v->get();
    wrong_type(node, key, "a boolean (true or false)");
  }

  const toml::array& as_array(const toml::node& node, std::string_view key, std::string_view of) const {
    if (const auto* v = node.as_array()) return *v;
    wrong_type(node, key, fmt::format("an array of {}", of));
  }

  // The elements of an array of strings, each with its node for positions.
  std::vector<std::pair<std::string, const toml::node*>> string_list(const toml::node& node,
                                                                     std::string_view key) const {
    std::vector<std::pair<std::string, const toml::node*>> out;
    for (const auto& element : as_array(node, key, "strings")) {
      const auto* v = element.as_string();
      if (v == nullptr)
        fail(element.source(),
             fmt::format("wrong type for an element of '{}': expected a string, got {}", key, type_name(element)), "");
      out.emplace_back(v->get(), &element);
    }
    return out;
  }

  std::string required_string(const toml::table& table, std::string_view key, std::string hint,
                              std::string_view context = "") const {
    const auto* node = table.get(key);
    if (node == nullptr) missing(table, key, std::move(hint), context);
    return as_string(*node, key);
  }

  [[noreturn]] void missing(const toml::table& table, std::string_view key, std::string hint,
                            std::string_view context) const {
    const std::string message = context.empty() ? fmt::format("missing required key '{}'", key)
                                                : fmt::format("missing required key '{}' in {}", key, context);
    // The top-level table has no position of its own: the error is about
    // the whole file.
    if (&table == &root_) fail_file(message, std::move(hint));
    fail(table.source(), message, std::move(hint));
  }

  // A tick: an integer in [0, kMaxTick].
  std::int64_t as_tick(const toml::node& node, std::string_view key) const {
    const std::int64_t v = as_integer(node, key);
    if (v < 0 || v > kMaxTick)
      fail(node.source(), fmt::format("'{}' out of range: {} is not between 0 and {}", key, v, kMaxTick),
           "times are ticks counted from 0");
    return v;
  }

  // The tables of an array of tables such as [[party]].
  std::vector<const toml::table*> tables_of(std::string_view key) const {
    std::vector<const toml::table*> out;
    const auto* node = root_.get(key);
    if (node == nullptr) return out;
    const auto* array = node->as_array();
    if (array == nullptr)
      fail(node->source(),
           fmt::format("wrong type for '{}': expected an array of tables ([[{}]]), got {}", key, key, type_name(*node)),
           fmt::format("write each entry under its own [[{}]] header", key));
    for (const auto& element : *array) {
      const auto* table = element.as_table();
      if (table == nullptr)
        fail(element.source(),
             fmt::format("wrong type for an element of '{}': expected a table, got {}", key, type_name(element)),
             fmt::format("write each entry under its own [[{}]] header", key));
      out.push_back(table);
    }
    return out;
  }

  std::vector<std::string> read_protocols() const {
    const auto* node = root_.get("protocols");
    const std::vector<std::string> known = options_.known_protocols;
    const std::string known_list = known.empty() ? "(none registered)" : cut_list(known);
    if (node == nullptr)
      fail_file("missing required key 'protocols'",
                fmt::format("add a line like: protocols = [\"{}\"]; known protocols: {}",
                            known.empty() ? "imessage" : known.front(), known_list));
    std::vector<std::string> out;
    for (const auto& [name, element] : string_list(*node, "protocols")) {
      if (std::find(known.begin(), known.end(), name) == known.end())
        fail(element->source(), fmt::format("unknown protocol {}", quote(name)),
             suggestion(name, known, "known protocols:"));
      if (std::find(out.begin(), out.end(), name) != out.end())
        fail(element->source(), fmt::format("duplicate protocol {}", quote(name)), "list each protocol once");
      out.push_back(name);
    }
    if (out.empty())
      fail(node->source(), "'protocols' must name at least one protocol", fmt::format("known protocols: {}", known_list));
    return out;
  }

  // A new actor name: well formed and unique among all actors.
  std::string read_actor_name(const toml::table& table, std::string_view kind, std::string_view context) {
    const std::string name = required_string(table, "name", fmt::format("every {} needs a name", context), context);
    const auto& node = *table.get("name");
    if (!is_valid_name(name)) {
      std::string fixed;
      for (char c : name) fixed += ascii_lower(c);
      fail(node.source(), fmt::format("invalid {} name {}", kind, quote(name)),
           is_valid_name(fixed)
               ? fmt::format("names are lowercase: {}", quote(fixed))
               : std::string("a name starts with a lowercase letter, then lowercase letters, digits, '_' or '-'"));
    }
    const auto [it, inserted] = actors_.emplace(name, ActorEntry{std::string(kind), pos_of(node.source())});
    if (!inserted) {
      const auto& other = it->second;
      if (other.pos.line == 0)
        fail(node.source(), fmt::format("{} name {} collides with the built-in provider '{}'", kind, quote(name), name),
             "actor names are unique across parties, providers and adversaries; pick another name");
      fail(node.source(), fmt::format("duplicate actor name {}", quote(name)),
           fmt::format("{} is already the name of a {} ({}); names are unique across parties, providers and "
                       "adversaries",
                       quote(name), other.kind, where(other.pos)));
    }
    return name;
  }

  std::string read_label(const toml::table& table, const std::string& name) const {
    const auto* node = table.get("label");
    if (node == nullptr) return name;
    std::string label = as_string(*node, "label");
    if (label.empty()) fail(node->source(), "'label' must not be empty", "leave it out to use the name");
    return label;
  }

  std::string read_country(const toml::table& table) const {
    const auto* node = table.get("country");
    if (node == nullptr) return "US";
    const std::string code = as_string(*node, "country");
    if (!is_country_code(code)) {
      std::string upper;
      for (char c : code) upper += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
      fail(node->source(), fmt::format("invalid country code {}", quote(code)),
           is_country_code(upper) ? fmt::format("country codes are in capitals: '{}'", upper)
                                  : std::string("use a two-letter ISO 3166 code in capitals, e.g. \"FR\""));
    }
    return code;
  }

  Party read_party(const toml::table& table) {
    KeySet keys{"[[party]]", {"name", "label", "country", "devices"}, {}};
    for (const auto& spec : settings_table()) (supported(spec) ? keys.known : keys.later).push_back(spec.name);
    check_keys(table, keys);

    Party p;
    p.pos = pos_of(table.source());
    p.name = read_actor_name(table, "party", "[[party]]");
    p.label = read_label(table, p.name);
    p.country = read_country(table);
    if (const auto* node = table.get("devices")) {
      p.devices.clear();
      const auto& devices =
          as_array(*node, "devices", "device kinds such as \"iphone\" or tables such as { kind = \"ipad\" }");
      if (devices.size() > kMaxDevicesPerParty)
        fail(devices[kMaxDevicesPerParty].source(),
             fmt::format("too many devices for party {}: {}, the limit is {}", quote(p.name), devices.size(),
                         kMaxDevicesPerParty),
             fmt::format("a party's devices are its phones, tablets and computers; no account needs more than {}",
                         kMaxDevicesPerParty));
      for (const auto& element : devices) p.devices.push_back(read_device(element));
      if (p.devices.empty())
        fail(node->source(), "'devices' must list at least one device", "leave it out for [\"iphone\"]");
    }
    // Only supported settings get here: check_keys refused the others.
    for (const auto& spec : settings_table())
      if (const auto* node = table.get(spec.name)) read_setting(*node, spec).apply(p.settings);
    return p;
  }

  // One setting's value, checked against its row of the settings table.
  SettingValue read_setting(const toml::node& node, const SettingSpec& spec) const {
    SettingValue v;
    v.spec = &spec;
    switch (spec.type) {
      case SettingType::kBool: v.flag = as_bool(node, spec.name); break;
      case SettingType::kEnum: {
        v.text = as_string(node, spec.name);
        const std::vector<std::string> choices = to_strings(spec.choices);
        if (std::find(choices.begin(), choices.end(), v.text) == choices.end())
          fail(node.source(), fmt::format("invalid value {} for '{}'", quote(v.text), spec.name),
               suggestion(v.text, choices, "expected one of:"));
        break;
      }
      case SettingType::kTicks: v.ticks = as_tick(node, spec.name); break;
    }
    return v;
  }

  // An element of `devices`: a kind ("iphone"), or a table with the kind
  // and the device settings this device sets itself
  // ({ kind = "ipad", icloud_backup = true }).
  Device read_device(const toml::node& element) const {
    const auto kind_of = [&](const toml::node& node) {
      // The same kind may appear twice: a work Mac and a home Mac.
      return Device(row_named(device_kinds(), as_string(node, "kind"), node, "device kind", "device kinds:").kind);
    };
    if (element.is_string()) return kind_of(element);
    const auto* table = element.as_table();
    if (table == nullptr)
      fail(element.source(),
           fmt::format("wrong type for an element of 'devices': expected a string or a table, got {}",
                       type_name(element)),
           "write a device as \"iphone\" or as { kind = \"ipad\", icloud_backup = true }");
    KeySet keys{"a device", {"kind"}, {}};
    for (const auto& spec : settings_table()) {
      if (spec.scope != SettingScope::kDevice) {
        // A switch of the whole account: say so, rather than "unknown key".
        for (const auto& [key, value] : *table)
          if (key.str() == spec.name)
            fail(key.source(), fmt::format("'{}' is a setting of the account, not of one device", spec.name),
                 "set it in the [[party]]: it holds for every device of the party");
        continue;
      }
      (supported(spec) ? keys.known : keys.later).push_back(spec.name);
    }
    check_keys(*table, keys);
    const auto* kind = table->get("kind");
    if (kind == nullptr) missing(*table, "kind", "e.g. { kind = \"ipad\", icloud_backup = true }", "a device");
    Device d = kind_of(*kind);
    for (const auto& spec : settings_table())
      if (const auto* node = table->get(spec.name)) d.own.push_back(read_setting(*node, spec));
    return d;
  }

  Provider read_provider(const toml::table& table) {
    check_keys(table, KeySet{"[[provider]]", {"name", "label", "country"}, {}});
    Provider p;
    p.pos = pos_of(table.source());
    p.name = required_string(table, "name", "name the built-in provider to configure, e.g. name = \"apple\"",
                             "[[provider]]");
    const auto& node = *table.get("name");
    const std::vector<std::string> builtins = builtin_provider_names();
    if (std::find(builtins.begin(), builtins.end(), p.name) == builtins.end())
      fail(node.source(), fmt::format("unknown provider {}", quote(p.name)),
           suggestion(p.name, builtins, "[[provider]] configures a built-in provider:"));
    if (const auto it = provider_pos_.find(p.name); it != provider_pos_.end())
      fail(node.source(), fmt::format("duplicate [[provider]] {}", quote(p.name)),
           fmt::format("it is already configured at {}; merge the two", where(it->second)));
    provider_pos_.emplace(p.name, pos_of(node.source()));
    p.label = read_label(table, p.name);
    p.country = read_country(table);
    return p;
  }

  // A party named by `key` in `table` (exploit and seize targets, message ends).
  // A party named by the string at `node` (exploit and seize targets,
  // message ends). A map lookup: a file with many parties and messages must
  // not cost parties x messages.
  std::string party_ref(const toml::node& node, std::string_view key) const {
    const std::string name = as_string(node, key);
    const auto it = actors_.find(name);
    if (it == actors_.end() || it->second.kind != "party")
      fail(node.source(), fmt::format("unknown party {} in '{}'", quote(name), key),
           suggestion(name, party_names(), "parties:"));
    return name;
  }

  std::vector<std::string> party_names() const {
    std::vector<std::string> out;
    for (const auto& [name, entry] : actors_)
      if (entry.kind == "party") out.push_back(name);
    return out;
  }

  Adversary read_adversary(const toml::table& table, const Scenario& s) {
    check_keys(table, KeySet{"[[adversary]]", {"name", "label", "country", "powers"}, {}});
    Adversary a;
    a.pos = pos_of(table.source());
    a.name = read_actor_name(table, "adversary", "[[adversary]]");
    a.label = read_label(table, a.name);
    a.country = read_country(table);
    if (const auto* node = table.get("powers")) {
      for (const auto& element : as_array(*node, "powers", "inline tables such as { power = \"compel\" }")) {
        const auto* power = element.as_table();
        if (power == nullptr)
          fail(element.source(),
               fmt::format("wrong type for an element of 'powers': expected a table, got {}", type_name(element)),
               "write a power as { power = \"compel\" }");
        a.powers.push_back(read_power(*power, a, s));
      }
    }
    return a;
  }

  // The row of a vocabulary table (device kinds, powers) named `name`, read
  // at `node`; "unknown <what> 'x'" with a hint otherwise.
  template <typename Row>
  const Row& row_named(std::span<const Row> table, const std::string& name, const toml::node& node,
                       std::string_view what, std::string_view listing) const {
    for (const Row& row : table)
      if (row.name == name) return row;
    std::vector<std::string> names;
    for (const Row& row : table) names.emplace_back(row.name);
    fail(node.source(), fmt::format("unknown {} {}", what, quote(name)), suggestion(name, names, listing));
  }

  Power read_power(const toml::table& table, const Adversary& adversary, const Scenario& s) const {
    const std::string kind = required_string(table, "power", "e.g. { power = \"compel\" }", "a power");
    const auto& kind_node = *table.get("power");
    if (const auto later = later_powers(); std::find(later.begin(), later.end(), kind) != later.end())
      fail(kind_node.source(), fmt::format("power {} is not supported yet", quote(kind)),
           "the format reserves it for a later version of msgsim; remove it for now");
    const PowerInfo* it = &row_named(powers(), kind, kind_node, "power", "powers:");

    Power p;
    p.kind = it->kind;
    p.pos = pos_of(table.source());
    const std::string context = fmt::format("power '{}'", kind);
    KeySet keys{context, {"power"}, {}};
    keys.known.insert(keys.known.end(), it->keys.begin(), it->keys.end());
    check_keys(table, keys);

    // Defaults from the contract's table of powers: compel acts at the end
    // of the script, the others from tick 0.
    p.at = (p.kind == PowerKind::kCompel) ? kEndOfScript : 0;
    if (const auto* node = table.get("at")) {
      p.at = as_tick(*node, "at");
    } else if (p.kind == PowerKind::kSeize) {
      missing(table, "at", "a seizure happens at one tick, e.g. at = 3", context);
    }
    if (const auto* node = table.get("providers")) {
      const std::vector<std::string> builtins = builtin_provider_names();
      for (const auto& [name, element] : string_list(*node, "providers")) {
        if (std::find(builtins.begin(), builtins.end(), name) == builtins.end())
          fail(element->source(), fmt::format("unknown provider {}", quote(name)),
               suggestion(name, builtins, "built-in providers:"));
        if (std::find(p.providers.begin(), p.providers.end(), name) != p.providers.end())
          fail(element->source(), fmt::format("provider {} listed twice", quote(name)), "list each provider once");
        p.providers.push_back(name);
      }
      // An empty list would read as "every provider of the country".
      if (p.providers.empty())
        fail(node->source(), "'providers' must name at least one provider",
             "leave it out for every provider of the adversary's country");
    }
    if (p.kind == PowerKind::kCompel || p.kind == PowerKind::kIntercept) read_legal_path(table, adversary, s, p);
    if (p.kind == PowerKind::kExploit || p.kind == PowerKind::kSeize) {
      const auto* node = table.get("target");
      if (node == nullptr) missing(table, "target", "name the party whose devices are attacked", context);
      p.target = party_ref(*node, "target");
    }
    if (p.kind == PowerKind::kExploit) {
      const auto* node = table.get("via");
      std::vector<std::string> surfaces;
      for (const AttackSurface& surface : options_.surfaces) surfaces.push_back(surface.name);
      if (node == nullptr)
        missing(table, "via", surfaces.empty() ? std::string("no model of this msgsim declares an attack surface")
                                               : fmt::format("via = \"{}\"", fmt::join(surfaces, "\" or via = \"")),
                context);
      const std::string via = as_string(*node, "via");
      const auto declared = std::find_if(options_.surfaces.begin(), options_.surfaces.end(),
                                         [&](const AttackSurface& surface) { return surface.name == via; });
      if (declared == options_.surfaces.end()) {
        const auto& format = it->format_via;
        if (std::find(format.begin(), format.end(), via) != format.end())
          fail(node->source(), fmt::format("exploit via {} is not supported yet", quote(via)),
               fmt::format("the format reserves it for a later version of msgsim; use {}",
                           surfaces.empty() ? std::string("another power") : fmt::format("{}", fmt::join(surfaces, " or "))));
        fail(node->source(), fmt::format("unknown attack surface {} in 'via'", quote(via)),
             suggestion(via, surfaces, "expected one of:"));
      }
      p.via = *declared;
      if (const auto* until = table.get("until")) {
        p.until = as_tick(*until, "until");
        if (p.until < p.at)
          fail(until->source(), fmt::format("'until' ({}) is before 'at' ({})", p.until, p.at),
               "an exploit lasts from 'at' to 'until', both included");
      }
    }
    return p;
  }

  // A compel or intercept reaches the providers of the adversary's country
  // directly, and a provider of another country only through that
  // country's courts, on the path `via` names (docs/sources.md §7).
  void read_legal_path(const toml::table& table, const Adversary& adversary, const Scenario& s, Power& p) const {
    struct Foreign {
      std::string name, country;
      const toml::node* node;
    };
    std::vector<Foreign> foreign;  // the listed providers of another country, in file order
    if (const auto* node = table.get("providers"))
      for (const auto& [name, element] : string_list(*node, "providers"))
        if (std::string country = s.provider_country(name); country != adversary.country)
          foreign.push_back({name, std::move(country), element});
    const auto* via = table.get("via");
    if (via == nullptr) {
      if (foreign.empty()) return;
      const Foreign& f = foreign.front();
      fail(f.node->source(),
           fmt::format("{} ({}) cannot {} {} directly: it is a provider in {}", adversary.name, adversary.country,
                       p.kind == PowerKind::kCompel ? "compel" : "intercept at", quote(f.name), f.country),
           fmt::format("a provider of another country is reached through that country's courts: add via = "
                       "\"mlat\" (a mutual legal assistance request){}",
                       has_cloud_act_agreement(adversary.country, f.country)
                           ? fmt::format(", or via = \"cloud-act\" ({} and {} have an agreement)", adversary.country,
                                         f.country)
                           : std::string()));
    }
    const std::string path = as_string(*via, "via");
    const std::vector<std::string> paths = {"mlat", "cloud-act"};
    if (std::find(paths.begin(), paths.end(), path) == paths.end())
      fail(via->source(), fmt::format("unknown legal path {} in 'via'", quote(path)),
           suggestion(path, paths, "expected one of:"));
    if (foreign.empty())
      fail(via->source(),
           fmt::format("'via' names a path to a provider of another country, but every provider here is in {}",
                       adversary.country),
           table.get("providers") == nullptr
               ? "name the foreign provider, e.g. providers = [\"apple\"], or remove 'via'"
               : "remove 'via': providers of the adversary's own country are reached directly");
    p.path = path == "mlat" ? LegalPath::kMlat : LegalPath::kCloudAct;
    if (p.path != LegalPath::kCloudAct) return;
    for (const Foreign& f : foreign)
      if (!has_cloud_act_agreement(adversary.country, f.country))
        fail(via->source(),
             fmt::format("{} and {} have no CLOUD Act agreement in force, so {} cannot reach {} that way",
                         adversary.country, f.country, adversary.name, quote(f.name)),
             "agreements in force: the US with GB and with AU (docs/sources.md §7); use via = \"mlat\"");
  }

  // A [[change]]: at = 5, party = "alice", set = { icloud_backup = false }.
  Change read_change(const toml::table& table, const Scenario& s) const {
    check_keys(table, KeySet{"[[change]]", {"at", "party", "device", "set"}, {}});
    Change c;
    c.pos = pos_of(table.source());
    const auto* at = table.get("at");
    if (at == nullptr) missing(table, "at", "say when the setting changes, e.g. at = 5", "[[change]]");
    c.at = as_tick(*at, "at");
    const auto* party = table.get("party");
    if (party == nullptr) missing(table, "party", "name the party who changes a setting, e.g. party = \"alice\"",
                                  "[[change]]");
    c.party = party_ref(*party, "party");
    if (const auto* device = table.get("device")) {
      const std::int64_t n = as_integer(*device, "device");
      const std::size_t count = s.find_party(c.party)->devices.size();
      if (n < 1 || static_cast<std::uint64_t>(n) > count)
        fail(device->source(), fmt::format("'device' out of range: {} has {} device{}, numbered from 1", c.party, count,
                                           count == 1 ? "" : "s"),
             fmt::format("device = 1 is {}'s first device, in the order of its 'devices'", c.party));
      c.device = static_cast<std::size_t>(n - 1);
    }
    const auto* set = table.get("set");
    if (set == nullptr) missing(table, "set", "give the new values, e.g. set = { icloud_backup = false }", "[[change]]");
    const auto* values = set->as_table();
    if (values == nullptr) wrong_type(*set, "set", "a table of settings, e.g. { icloud_backup = false }");
    KeySet keys{"'set' of a [[change]]", {}, {}};
    for (const auto& spec : settings_table()) (supported(spec) ? keys.known : keys.later).push_back(spec.name);
    check_keys(*values, keys);
    if (values->empty()) fail(set->source(), "'set' changes no setting", "e.g. set = { icloud_backup = false }");
    // In file order: the table iterates by key.
    std::vector<std::pair<toml::source_region, SettingValue>> read;
    for (const auto& [key, node] : *values) read.emplace_back(key.source(), read_setting(node, *find_setting(key.str())));
    std::sort(read.begin(), read.end(), [](const auto& a, const auto& b) {
      return std::pair(a.first.begin.line, a.first.begin.column) < std::pair(b.first.begin.line, b.first.begin.column);
    });
    for (auto& [where, value] : read) {
      if (c.device && value.spec->scope != SettingScope::kDevice)
        fail(where,
             fmt::format("'{}' is a setting of the account, not of one device", value.spec->name),
             "leave 'device' out: the change then holds for the whole party");
      c.set.push_back(std::move(value));
    }
    return c;
  }

  Message read_message(const toml::table& table, const Scenario& s) const {
    check_keys(table, KeySet{"[[message]]", {"at", "from", "to", "text"}, {}});
    Message m;
    m.pos = pos_of(table.source());
    m.id = static_cast<int>(s.messages.size()) + 1;
    // Default time: the message's 1-based position in the file, a tick
    // like any other.
    m.at = m.id;
    if (const auto* node = table.get("at")) {
      m.at = as_tick(*node, "at");
    } else if (m.at > kMaxTick) {
      fail(table.source(),
           fmt::format("'at' out of range: message {} has none, and its default (its position, {}) is not between 0 "
                       "and {}",
                       m.id, m.id, kMaxTick),
           fmt::format("give the message an 'at' of its own, e.g. at = {}", kMaxTick));
    }
    const auto* from = table.get("from");
    if (from == nullptr) missing(table, "from", "name the sending party, e.g. from = \"alice\"", "[[message]]");
    m.from = party_ref(*from, "from");
    const auto* to = table.get("to");
    if (to == nullptr) missing(table, "to", "name the receiving party, e.g. to = \"bob\"", "[[message]]");
    if (to->is_array())
      fail(to->source(), "a list of recipients in 'to' is not supported yet",
           "group messages belong to a later version of msgsim; send one message per recipient");
    m.to.push_back(party_ref(*to, "to"));
    if (m.to.front() == m.from)
      fail(to->source(), fmt::format("'from' and 'to' are the same party {}", quote(m.from)),
           "a message goes from one party to another");
    m.text = required_string(table, "text", "add the message, e.g. text = \"See you at 6?\"", "[[message]]");
    return m;
  }

  Expectation read_expect(const toml::table& table, const Scenario& s) const {
    check_keys(table, KeySet{"[[expect]]", {"protocol", "message", "readable_by"}, {}});
    Expectation e;
    e.pos = pos_of(table.source());
    if (const auto* node = table.get("protocol")) {
      const std::string name = as_string(*node, "protocol");
      if (std::find(s.protocols.begin(), s.protocols.end(), name) == s.protocols.end())
        fail(node->source(), fmt::format("protocol {} is not one of this scenario's protocols", quote(name)),
             suggestion(name, s.protocols, "the scenario's protocols:"));
      e.protocol = name;
    }
    if (const auto* node = table.get("message")) {
      const std::int64_t index = as_integer(*node, "message");
      const auto count = static_cast<std::int64_t>(s.messages.size());
      if (index < 1 || index > count)
        fail(node->source(),
             count == 0 ? fmt::format("message {} does not exist: the scenario has no [[message]]", index)
                        : fmt::format("message {} does not exist: the scenario has {} message{}", index, count,
                                      count == 1 ? "" : "s"),
             "messages are numbered from 1 in file order");
      e.message = static_cast<int>(index);
    }
    const auto* node = table.get("readable_by");
    if (node == nullptr)
      missing(table, "readable_by", "list who can read the message, e.g. readable_by = [\"alice\", \"bob\"]",
              "[[expect]]");
    // A set, not a search of the list: the list may be as long as the
    // number of actors.
    std::set<std::string> seen;
    for (const auto& [name, element] : string_list(*node, "readable_by")) {
      if (actors_.count(name) == 0) {
        std::vector<std::string> actors;
        for (const auto& [actor, entry] : actors_) actors.push_back(actor);
        fail(element->source(), fmt::format("unknown actor {} in 'readable_by'", quote(name)),
             suggestion(name, actors, "actors:"));
      }
      if (!seen.insert(name).second)
        fail(element->source(), fmt::format("actor {} listed twice in 'readable_by'", quote(name)),
             "list each actor once");
    }
    // Sorted, as Expectation promises.
    e.readable_by.assign(seen.begin(), seen.end());
    return e;
  }

  const toml::table& root_;
  const std::string& path_;
  const PositionMap& positions_;
  const LoadOptions& options_;
  // Every actor name seen so far, with the built-in providers, for
  // uniqueness and reference checks; std::map keeps hints in a stable order.
  std::map<std::string, ActorEntry> actors_;
  std::map<std::string, SourcePos> provider_pos_;  // [[provider]] entries seen
};

// Files up to this size get a position for a failed toml++ assertion; the
// search re-parses the file about log2(size) times.
constexpr std::size_t kMaxLocateBytes = 1u << 20;

// True if parsing `ascii` fails one of toml++'s internal checks.
bool fails_assertion(std::string_view ascii) {
  try {
    (void)toml::parse(ascii);
  } catch (const loader_detail::TomlAssertionFailed&) {
    return true;
  } catch (const toml::parse_error&) {
  }
  return false;
}

// toml++ failed an internal check instead of reporting a syntax error (its
// error checks miss some malformed input, e.g. "a = [1, }" or a date
// followed by " 0]"). The check carries no position, so find one: the
// shortest prefix of the text that still fails it ends at the character the
// parser could not handle (the prefix one byte shorter does not fail, so
// that last byte is what made the difference).
LoadError assertion_error(std::string_view ascii, const PositionMap& positions, const std::string& path,
                          const char* expression) {
  LoadError error{{path, 0, 0},
                  fmt::format("invalid TOML: the parser cannot read this (its internal check '{}' failed)", expression),
                  "a value is probably missing or malformed here"};
  if (ascii.size() > kMaxLocateBytes) return error;
  std::size_t good = 0;            // the empty text parses without failing a check
  std::size_t bad = ascii.size();  // the whole text fails one
  while (bad - good > 1) {
    const std::size_t mid = good + (bad - good) / 2;
    (fails_assertion(ascii.substr(0, mid)) ? bad : good) = mid;
  }
  // The byte at `offset` may be the line break that ends its line.
  const std::string_view before = ascii.substr(0, bad - 1);
  const std::size_t last_break = before.rfind('\n');
  const std::size_t line_start = last_break == std::string_view::npos ? 0 : last_break + 1;
  const auto line = static_cast<std::uint32_t>(1 + std::count(before.begin(), before.end(), '\n'));
  error.pos.line = line;
  error.pos.column = positions.column(line, static_cast<std::uint32_t>(before.size() - line_start + 1));
  return error;
}

// toml++ phrases errors "Error while parsing X: ..."; messages here start in
// lower case like every other loader error.
std::string parser_message(std::string_view description) {
  std::string out(description);
  if (!out.empty()) out[0] = ascii_lower(out[0]);
  return "invalid TOML: " + out;
}

}  // namespace

// ---------------------------------------------------------------------------
// 4. Public entry points.

std::string LoadError::format() const {
  // The file's name is user text too (a downloaded lesson's name).
  const std::string file = text::printable(pos.file);
  std::string out = pos.line == 0 ? fmt::format("{}: error: {}", file, message)
                                  : fmt::format("{}:{}:{}: error: {}", file, pos.line, pos.column, message);
  if (!hint.empty()) out += fmt::format("\nhint: {}", hint);
  return out;
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  if (word.empty() || word.size() > kMaxSuggestLength) return {};
  // One edit for short words (two edits would turn "at" into "to"), two for
  // longer ones.
  const std::size_t max_distance = word.size() <= 3 ? 1 : 2;
  std::string best;
  std::size_t best_distance = max_distance + 1;
  for (const auto& candidate : candidates) {
    const std::size_t length_gap =
        candidate.size() > word.size() ? candidate.size() - word.size() : word.size() - candidate.size();
    if (length_gap > max_distance) continue;
    const std::size_t d = edit_distance(word, candidate);
    // Strictly better only: ties go to the earlier candidate, so hints do not
    // depend on anything but the candidates' order.
    if (d < best_distance) best = candidate, best_distance = d;
  }
  return best;
}

LoadResult load_scenario_text(std::string_view text, const std::string& path, const LoadOptions& options) {
  try {
    auto checked = precheck_toml(text, path);
    if (auto* error = std::get_if<LoadError>(&checked)) return std::move(*error);
    const auto& [ascii, positions] = std::get<PreChecked>(checked);
    toml::table root;
    try {
      root = toml::parse(ascii, std::string_view(path));
    } catch (const loader_detail::TomlAssertionFailed& failed) {
      return assertion_error(ascii, positions, path, failed.expression);
    } catch (const toml::parse_error& e) {
      const auto& begin = e.source().begin;
      return LoadError{{path, begin.line, positions.column(begin.line, begin.column)}, parser_message(e.description()),
                       e.description().find("not representable in 64 bits") != std::string_view::npos
                           ? "integers must fit in 64 bits (at most 9223372036854775807)"
                           : ""};
    }
    return Validator(root, path, positions, options).build();
  } catch (const Failure& failure) {
    return failure.error;
  } catch (const loader_detail::TomlAssertionFailed& failed) {
    // From toml++ outside parse() (node access in the validator): never
    // seen, but it must not escape either.
    return LoadError{{path, 0, 0}, fmt::format("internal error: toml++ check '{}' failed", failed.expression),
                     "please report this scenario file to the msgsim developers"};
  }
}

LoadResult load_scenario_file(const std::string& path, const LoadOptions& options) {
  const bool is_stdin = path == "-";
  std::error_code ec;
  if (!is_stdin && std::filesystem::is_directory(path, ec))
    return LoadError{{path, 0, 0}, "cannot read the scenario: it is a directory", ""};
  std::FILE* file = is_stdin ? stdin : std::fopen(path.c_str(), "rb");
  if (file == nullptr)
    return LoadError{{path, 0, 0}, fmt::format("cannot open the scenario: {}", std::strerror(errno)), ""};
  // Read at most one byte past the limit: enough to refuse an oversized
  // file (or an endless pipe) without holding it all in memory.
  std::string text;
  char buffer[1 << 16];
  int error = 0;
  errno = 0;
  while (text.size() <= kMaxScenarioBytes) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, file);
    text.append(buffer, n);
    if (n < sizeof buffer) {
      if (std::ferror(file) != 0) error = errno != 0 ? errno : EIO;
      break;
    }
  }
  // A file's own size for the error; a pipe's is unknown.
  std::string size = fmt::format("more than {}", kMaxScenarioBytes);
  struct stat st {};
  if (text.size() > kMaxScenarioBytes && ::fstat(::fileno(file), &st) == 0 && S_ISREG(st.st_mode))
    size = std::to_string(st.st_size);
  if (!is_stdin) std::fclose(file);
  if (error != 0) return read_error(path, error);
  if (text.size() > kMaxScenarioBytes) return file_too_large(path, size);
  return load_scenario_text(text, path, options);
}

LoadResult load_scenario_stream(std::istream& in, const std::string& path, const LoadOptions& options) {
  // As load_scenario_file: at most one byte past the limit.
  std::string text;
  std::vector<char> buffer(1 << 16);
  while (text.size() <= kMaxScenarioBytes && in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return read_error(path, 0);
  if (text.size() > kMaxScenarioBytes) return file_too_large(path, fmt::format("more than {}", kMaxScenarioBytes));
  return load_scenario_text(text, path, options);
}

}  // namespace msgsim
