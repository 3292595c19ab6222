// The imessage and imessage-icloud models: iMessage as it ships today (PQ3,
// iOS 17.4). Sources: docs/sources.md §1.1-1.4, §6; the details text
// (model_details.h, docs/models/imessage.md) says how and what is left out.
#include "protocols/imessage/imessage.h"

#include <fmt/format.h>

#include "protocols/imessage/messages_app.h"
#include "protocols/imessage/model_details.h"
#include "protocols/imessage/pq3.h"
#include "protocols/ratchet/pairwise_sessions.h"

namespace msgsim {
namespace {

using imessage::MessagesApp;

class Pq3Model final : public Model {
 public:
  explicit Pq3Model(bool escrow) : escrow_(escrow), app_(escrow) {}

  void register_openers(OpenerRegistry& registry) const override {
    imessage::Pq3Agreement::register_openers(registry);
    MessagesApp::register_openers(registry);
  }

  void provision(Context& ctx) override {
    app_.provision(ctx, [&](NodeId d) { agreement_.register_device(ctx, d); });
  }

  void send(Context& ctx, const Message& m) override {
    const NodeId apple = *ctx.world().server("apple");
    const Bytes envelope = ratchet::encode_envelope(m.id, m.text);
    app_.send(ctx, m, [&](NodeId sender, const MessagesApp::Target& target, const ArtifactPtr&) {
      const auto copy = sessions_.encrypt(ctx, sender, target.device, m.id, envelope);
      if (!copy) return;
      // APNs relays each piece at once and keeps nothing (every device is online).
      const std::vector<ArtifactPtr> pieces = copy->pieces();
      for (const auto& piece : pieces) ctx.transmit(sender, apple, piece);
      for (const auto& piece : pieces) ctx.transmit(apple, target.device, piece);
      // The device keeps what it decrypted, not what the scenario says was sent.
      sessions_.decrypt(ctx, target.device, sender, *copy, m.id, [&](int id, std::string text) {
        app_.keep(ctx, *target.party, target.device,
                  make_plaintext(MessagesApp::plaintext_label(id, m), id, std::move(text)));
      });
    });
  }

  void settings_changed(Context& ctx, const SettingsChange& change) override { app_.settings_changed(ctx, change); }
  void end_of_tick(Context& ctx) override { app_.end_of_tick(ctx); }

 private:
  bool escrow_;
  MessagesApp app_;
  imessage::Pq3Agreement agreement_;
  // The ratchet state is in the keychain, this device only: never in iCloud Backup.
  ratchet::PairwiseSessions sessions_{imessage::pq3_protocol(), agreement_, app_.storage(),
                                      platform::Backup::kExcluded};
};

}  // namespace

const ModelInfo& imessage_model_info() {
  static const ModelInfo info{
      .name = "imessage",
      .summary = "iMessage today (PQ3: pre-keys in IDS, Double Ratchet per device pair; iCloud Backup as set)",
      .details = imessage::kDetails,
      .providers = {"apple", "carrier"},
      .surfaces = imessage::apple_surfaces(),
      .settings = {"imessage", "messages_in_icloud", "icloud_backup", "advanced_data_protection", "sms_fallback"},
      .make = [] { return std::unique_ptr<Model>(new Pq3Model(false)); }};
  return info;
}

const ModelInfo& imessage_icloud_model_info() {
  static const ModelInfo info{
      .name = "imessage-icloud",
      .summary = "iMessage with iCloud Backup on for everyone: the key-escrow case",
      .details = imessage::kEscrowDetails,
      .providers = {"apple", "carrier"},
      .surfaces = imessage::apple_surfaces(),
      // iCloud Backup is on for every iPhone and iPad, whatever the setting.
      .settings = {"imessage", "messages_in_icloud", "advanced_data_protection", "sms_fallback"},
      .make = [] { return std::unique_ptr<Model>(new Pq3Model(true)); }};
  return info;
}

}  // namespace msgsim
