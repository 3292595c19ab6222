#include "protocols/signal/signal_model.h"

#include "protocols/signal/messenger.h"
#include "protocols/signal/model_details.h"

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

// Signal's files are excluded from device backups (docs/sources.md §2.4).
constexpr platform::Backup kSignalFiles = platform::Backup::kExcluded;

class SignalModel final : public Model {
 public:
  void register_openers(OpenerRegistry& registry) const override {
    signal::Messenger::register_openers(registry, signal::protocol());
  }
  void provision(Context& ctx) override { app_.provision(ctx); }
  void send(Context& ctx, const Message& message) override { app_.send(ctx, message); }
  // iCloud Backup and ADP switched on or off (DeviceStorage).
  void settings_changed(Context& ctx, const SettingsChange& change) override { app_.settings_changed(ctx, change); }
  void end_of_tick(Context& ctx) override { app_.end_of_tick(ctx); }

 private:
  // Linked devices share the account's identity key (docs/sources.md §2.1).
  signal::Messenger app_{signal::protocol(), "signal", kSignalFiles, signal::X3dhAgreement::Identities::kPerAccount};
};

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
