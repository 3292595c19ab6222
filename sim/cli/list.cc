// msgsim list: the protocol models, and with --details the party settings,
// the adversary powers and the built-in providers.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "msgsim/settings.h"
#include "msgsim/world.h"
#include "protocols/registry.h"
#include "sim/cli/command.h"
#include "sim/text.h"

namespace msgsim::cli {
namespace {

using text::wrap;

constexpr std::string_view kUsage = R"usage(Usage: msgsim list [--details]

Lists the protocol models a scenario can name in `protocols = [...]`.

Options:
  -d, --details   also how each model works and what it simplifies, the party
                  settings, the adversary powers and the built-in providers
  -h, --help      show this help

Examples:
  msgsim list
  msgsim list --details | less
)usage";

std::string setting_values(const SettingSpec& s) {
  switch (s.type) {
    case SettingType::kBool: return "true or false";
    case SettingType::kTicks: return "ticks, 0 or more";
    case SettingType::kEnum: {
      std::vector<std::string> choices;
      for (auto c : s.choices) choices.push_back(fmt::format("\"{}\"", c));
      return "one of " + text::join(choices, ", ");
    }
  }
  return "";
}

constexpr std::size_t kWrapColumns = 78;

int cmd_list(const Args& args, const Io& io) {
  CommandLine command_line(kListCommand);
  bool details = false;
  command_line.flag("-d,--details", details);
  if (auto done = command_line.parse(args, io)) return *done;
  std::ostream& out = io.out();
  const auto models = all_models();
  std::size_t width = 0;
  for (const auto& m : models) width = std::max(width, m.name.size());

  out << "Protocol models (names for `protocols = [...]` in a scenario):\n";
  for (const auto& m : models) out << fmt::format("  {:<{}}  {}\n", m.name, width, m.summary);
  if (!details) {
    out << "\nSettings, adversary powers, providers and each model's simplifications: msgsim list --details\n";
    return kExitOk;
  }
  for (const auto& m : models) {
    out << fmt::format("\n{}: {}\n", m.name, m.summary);
    // Details are prose with paragraphs: wrap each paragraph, keep the breaks.
    std::string_view rest = m.details;
    while (!rest.empty()) {
      const std::size_t br = rest.find("\n\n");
      const std::string_view para = rest.substr(0, br);
      // Lines starting with "- " are list items: keep each on its own.
      std::size_t start = 0;
      std::string item;
      auto flush = [&] {
        if (!item.empty()) out << wrap(item, kWrapColumns, "  ", item.starts_with("- ") ? "    " : "  ");
        item.clear();
      };
      while (start <= para.size()) {
        const std::size_t nl = para.find('\n', start);
        const std::string_view line = para.substr(start, nl == std::string_view::npos ? para.npos : nl - start);
        if (line.starts_with("- ")) flush();
        if (!item.empty()) item += ' ';
        item += line;
        if (nl == std::string_view::npos) break;
        start = nl + 1;
      }
      flush();
      if (br == std::string_view::npos) break;
      rest.remove_prefix(br + 2);
      if (!rest.empty()) out << "\n";
    }
    // What the model declares to the engine (its registry row).
    std::vector<std::string> surfaces;
    for (const AttackSurface& s : m.surfaces) surfaces.emplace_back(s.name);
    const auto listed = [](const auto& names) {
      return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
    };
    out << "\n"
        << wrap(fmt::format("Providers: {}. Attack surfaces: {}. Settings it reads: {}.", listed(m.providers),
                            listed(surfaces), listed(m.settings)),
                kWrapColumns, "  ");
  }

  const std::vector<std::string> supported = supported_settings();
  out << "\nParty settings (keys of [[party]]; \"later\" ones are rejected for now):\n";
  out << wrap("A \"device\" setting may also be set on one device, as in devices = [\"iphone\", { kind = \"ipad\", "
              "icloud_backup = true }]; the party's value is its devices' default. Any of them may change during the "
              "scenario: [[change]] with at = 5, party = \"alice\", set = { icloud_backup = false }, and device = 2 "
              "for one device (each model says what its software does then).",
              kWrapColumns, "  ");
  for (const auto& s : settings_table()) {
    out << fmt::format("  {} = {}  ({}){}{}\n", s.name, s.default_value, setting_values(s),
                       s.scope == SettingScope::kDevice ? "  [device]" : "",
                       std::find(supported.begin(), supported.end(), s.name) != supported.end() ? "" : "  [later]");
    out << wrap(s.help, kWrapColumns, "      ");
  }

  out << "\nAdversary powers (powers = [{ power = \"...\", ... }] in [[adversary]]):\n";
  for (const PowerInfo& p : powers()) {
    out << fmt::format("  {}: {}\n", p.name, fmt::join(p.keys, ", "));
    out << wrap(p.meaning, kWrapColumns, "      ");
  }
  std::vector<std::string> surfaces;
  for (const AttackSurface& s : attack_surfaces()) surfaces.push_back(fmt::format("{} ({})", s.name, s.label));
  out << wrap(fmt::format("Attack surfaces the models declare, for an exploit's `via`: {}.", fmt::join(surfaces, ", ")),
              kWrapColumns, "  ");

  out << "\nBuilt-in providers (override the country with [[provider]]; default country US):\n";
  for (const auto& p : builtin_providers()) {
    out << fmt::format("  {} ({})\n", p.name, p.label);
    out << wrap(p.description, kWrapColumns, "      ");
  }
  return kExitOk;
}

}  // namespace

constinit const Command kListCommand{"list", kUsage, cmd_list};

}  // namespace msgsim::cli
