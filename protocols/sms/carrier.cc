#include "protocols/sms/carrier.h"

#include <stdexcept>

#include <fmt/format.h>

namespace msgsim::sms {

bool has_phone_number(DeviceKind kind) { return kind == DeviceKind::kIphone || kind == DeviceKind::kAndroid; }

std::vector<NodeId> phones_of(const World& world, std::string_view party) {
  std::vector<NodeId> out;
  for (NodeId d : world.devices_of(party))
    if (has_phone_number(world.node(d).device)) out.push_back(d);
  return out;
}

std::optional<NodeId> phone_of(const World& world, std::string_view party) {
  for (NodeId d : world.devices_of(party))
    if (has_phone_number(world.node(d).device)) return d;
  return std::nullopt;
}

namespace {
NodeId carrier_server(const World& world) {
  const auto server = world.server("carrier");
  if (!server) throw std::logic_error("SMS needs the carrier provider in the world");
  return *server;
}
}  // namespace

Carrier::Carrier(const World& world) : server_(carrier_server(world)) {}

std::vector<NodeId> Carrier::send(Context& ctx, NodeId from, const Message& m, std::string_view to) const {
  const std::vector<NodeId> phones = phones_of(ctx.world(), to);
  if (phones.empty()) return phones;
  // The text itself is what crosses the links: an SMS is not encrypted end
  // to end, and the carrier's network carries it as it is.
  ArtifactPtr text = make_plaintext(
      fmt::format("SMS of message {} ({} -> {}), sent in clear through the carrier", m.id, m.from, to), m.id, m.text);
  ctx.transmit_in_clear(from, server_, text);
  ctx.store(server_, text);  // the carrier keeps SMS content (docs/sources.md §4)
  for (NodeId phone : phones) ctx.transmit_in_clear(server_, phone, text);
  return phones;
}

}  // namespace msgsim::sms
