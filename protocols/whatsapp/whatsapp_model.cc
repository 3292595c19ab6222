#include "protocols/whatsapp/whatsapp_model.h"

#include "protocols/signal/messenger.h"
#include "protocols/signal/signal_model.h"
#include "protocols/whatsapp/chat_backup.h"
#include "protocols/whatsapp/model_details.h"

namespace msgsim {
namespace whatsapp {

const ratchet::Protocol& protocol() {
  // The whitepaper names HKDF but no info strings (docs/sources.md §3):
  // libsignal's (§2.2), the signal model's, stand in for WhatsApp's.
  static const ratchet::Protocol p({.prefix = "whatsapp",
                                    .app = "WhatsApp",
                                    .message_noun = "WhatsApp message",
                                    .kdf = signal::protocol().kdf(),
                                    .signed_messages = false});
  return p;
}

const AttackSurface& surface() {
  // WhatsApp runs on every device of the party, phones and companions
  // alike, and each processes what arrives for it: zero-click exploits
  // reached WhatsApp on iPhones and Android phones (2019) and on iPhones and
  // Macs (2025, through linked-device sync messages); docs/sources.md §3.
  // No setting switches it off.
  static const AttackSurface s{
      "whatsapp", "WhatsApp", {DeviceKind::kIphone, DeviceKind::kIpad, DeviceKind::kMac, DeviceKind::kAndroid}, ""};
  return s;
}

}  // namespace whatsapp

namespace {

// WhatsApp's history and keys stay out of the device's iCloud Backup: its
// own chat backup carries the history (docs/sources.md §3).
constexpr platform::Backup kWhatsAppFiles = platform::Backup::kExcluded;

class WhatsAppModel final : public Model {
 public:
  void register_openers(OpenerRegistry& registry) const override {
    signal::Messenger::register_openers(registry, whatsapp::protocol());
    whatsapp::ChatBackup::register_openers(registry);
  }
  void provision(Context& ctx) override { app_.provision(ctx); }
  void send(Context& ctx, const Message& message) override {
    app_.send(ctx, message,
              [&](NodeId device, const platform::FileHandle& file) { backup_.kept(ctx, device, file); });
  }
  // iCloud Backup and ADP (the device storage), and whatsapp_backup.
  void settings_changed(Context& ctx, const SettingsChange& change) override {
    app_.settings_changed(ctx, change);
    backup_.settings_changed(ctx, change);
  }
  void end_of_tick(Context& ctx) override {
    app_.end_of_tick(ctx);
    backup_.end_of_tick(ctx);
  }

 private:
  // Multi-device: each device its own identity key (docs/sources.md §3).
  signal::Messenger app_{whatsapp::protocol(), "whatsapp", kWhatsAppFiles,
                         signal::X3dhAgreement::Identities::kPerDevice};
  whatsapp::ChatBackup backup_{app_.storage()};
};

}  // namespace

std::unique_ptr<Model> make_whatsapp_model() { return std::make_unique<WhatsAppModel>(); }

const ModelInfo& whatsapp_model_info() {
  static const ModelInfo info{
      .name = "whatsapp",
      .summary = "WhatsApp: Signal protocol per device, client fan-out; chat backup to iCloud/Google Drive, plain "
                 "or end-to-end encrypted, as set",
      .details = whatsapp::kModelDetails,
      // Apple and Google hold the chat backups (iCloud Drive, Google Drive):
      // the closure has to find whether they can open them.
      .providers = {"whatsapp", "apple", "google"},
      .surfaces = {whatsapp::surface()},
      .settings = {"icloud_backup", "advanced_data_protection", "whatsapp_backup"},
      .make = &make_whatsapp_model};
  return info;
}

}  // namespace msgsim
