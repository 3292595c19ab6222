#include "protocols/signal/signal_model.h"

#include <fmt/format.h>

#include "protocols/platform/device_storage.h"
#include "protocols/ratchet/pairwise_sessions.h"
#include "protocols/signal/model_details.h"
#include "protocols/signal/x3dh_agreement.h"

namespace msgsim {
namespace signal {

// libsignal's HKDF info strings (docs/sources.md §2.2).
inline constexpr std::string_view kRootInfo = "WhisperRatchet";
inline constexpr std::string_view kMessageKeysInfo = "WhisperMessageKeys";

const ratchet::Protocol& protocol() {
  static const ratchet::Protocol p({.prefix = "signal",
                                    .app = "Signal",
                                    .message_noun = "Signal message",
                                    .kdf = {kRootInfo, kMessageKeysInfo},
                                    .signed_messages = false});
  return p;
}

}  // namespace signal

namespace {

using platform::Backup;
using platform::DeviceStorage;

// Signal's files are excluded from device backups (docs/sources.md §2.4).
constexpr Backup kSignalFiles = Backup::kExcluded;

class SignalModel final : public Model {
 public:

  void register_openers(OpenerRegistry& registry) const override {
    signal::X3dhAgreement::register_openers(registry, signal::protocol());
    ratchet::register_openers(registry, signal::protocol());
    DeviceStorage::register_openers(registry);
  }

  void provision(Context& ctx) override {
    storage_.provision(ctx);
    x3dh_.provision(ctx);  // throws when the world has no Signal server
    server_ = *ctx.world().server("signal");
  }
  void send(Context& ctx, const Message& message) override;
  // iCloud Backup and ADP switched on or off (DeviceStorage).
  void settings_changed(Context& ctx, const SettingsChange& change) override {
    storage_.settings_changed(ctx, change);
  }
  void end_of_tick(Context& ctx) override { storage_.end_of_tick(ctx); }

 private:
  void deliver(Context& ctx, NodeId from, NodeId to, const std::vector<ArtifactPtr>& pieces);

  DeviceStorage storage_;
  signal::X3dhAgreement x3dh_{signal::protocol(), "signal", storage_, kSignalFiles};
  ratchet::PairwiseSessions sessions_{signal::protocol(), x3dh_, storage_, kSignalFiles};
  NodeId server_ = 0;
};

void SignalModel::send(Context& ctx, const Message& message) {
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
    storage_.write(ctx, device,
                   make_plaintext(fmt::format("message {} in {}'s Signal history", id, w.node(device).label), id,
                                  std::move(text)),
                   kSignalFiles);
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

void SignalModel::deliver(Context& ctx, NodeId from, NodeId to, const std::vector<ArtifactPtr>& pieces) {
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

}  // namespace

std::unique_ptr<Model> make_signal_model() { return std::make_unique<SignalModel>(); }

const ModelInfo& signal_model_info() {
  static const ModelInfo info{
      .name = "signal",
      .summary =
          "Signal: X3DH + Double Ratchet per device, server queues ciphertext only, files excluded from iCloud Backup",
      .details = signal::kModelDetails,
      // Apple is here because iPhones back up to iCloud (and Signal's files
      // are not in that backup: the closure has to find that Apple reads nothing).
      .providers = {"signal", "apple"},
      .surfaces = {},
      .settings = {"icloud_backup", "advanced_data_protection"},
      .make = &make_signal_model};
  return info;
}

}  // namespace msgsim
