#include "protocols/signal/messenger.h"

#include <fmt/format.h>

namespace msgsim::signal {

Messenger::Messenger(const ratchet::Protocol& protocol, std::string server, platform::Backup files,
                     X3dhAgreement::Identities identities)
    : protocol_(protocol),
      server_name_(server),
      files_(files),
      x3dh_(protocol, std::move(server), storage_, files, identities),
      sessions_(protocol, x3dh_, storage_, files) {}

void Messenger::register_openers(OpenerRegistry& registry, const ratchet::Protocol& protocol) {
  X3dhAgreement::register_openers(registry, protocol);
  ratchet::register_openers(registry, protocol);
  platform::DeviceStorage::register_openers(registry);
}

void Messenger::provision(Context& ctx) {
  storage_.provision(ctx);
  x3dh_.provision(ctx);  // throws when the world has no such server
  server_ = *ctx.world().server(server_name_);
}

void Messenger::send(Context& ctx, const Message& message, const Kept& kept) {
  const World& w = ctx.world();
  const auto& own = w.devices_of(message.from);
  // The party's first device sends; Sesame-style fan-out to every device of
  // the recipient and to the sender's own other devices.
  if (own.empty()) return;
  const NodeId from = own.front();
  std::vector<NodeId> targets;
  for (const std::string& to : message.to)
    for (NodeId n : w.devices_of(to)) targets.push_back(n);
  targets.insert(targets.end(), own.begin() + 1, own.end());

  // The device's history keeps what it sent or decrypted.
  const auto keep = [&](NodeId device, int id, std::string text) {
    const platform::FileHandle file = storage_.write(
        ctx, device,
        make_plaintext(fmt::format("message {} in {}'s {} history", id, w.node(device).label, protocol_.app()), id,
                       std::move(text)),
        files_);
    if (kept) kept(device, file);
  };
  keep(from, message.id, message.text);
  const Bytes envelope = ratchet::encode_envelope(message.id, message.text);

  for (NodeId to : targets) {
    auto copy = sessions_.encrypt(ctx, from, to, message.id, envelope);
    if (!copy) continue;
    deliver(ctx, from, to, copy->pieces());
    sessions_.decrypt(ctx, to, from, *copy, message.id,
                      [&](int id, std::string text) { keep(to, id, std::move(text)); });
  }
}

void Messenger::deliver(Context& ctx, NodeId from, NodeId to, const std::vector<ArtifactPtr>& pieces) {
  // The server queues the message until the device fetches it, then deletes it.
  for (const auto& p : pieces) {
    ctx.transmit(from, server_, p);
    ctx.store(server_, p);
  }
  for (const auto& p : pieces) {
    ctx.transmit(server_, to, p);
    ctx.remove(server_, p);
  }
}

}  // namespace msgsim::signal
