// protocols/imessage/messages_app.h: what both iMessage designs share around
// their encryption (imessage-classic's per-message key wrap, and PQ3's
// ratchet in imessage and imessage-icloud): the IDS list of registered
// devices and the fan-out over it, the Messages history on each device,
// Messages in iCloud (CloudKit) and iCloud Backup.
//
// Sources: docs/sources.md §1.1 (IDS, APNs, fan-out to every device of the
// recipient and to the sender's other devices), §1.4 (Messages in iCloud and
// iCloud Backup: the container key syncs through iCloud Keychain only, and
// the backup "retains a key to that container"; with Messages in iCloud off,
// the backup carries the messages themselves).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "msgsim/model.h"
#include "protocols/platform/device_storage.h"
#include "protocols/sms/carrier.h"

namespace msgsim::imessage {

// The attack surfaces of Apple's devices that the format names: iMessage
// (on iPhones, iPads and Macs with iMessage on; the devices that register
// in IDS) and FaceTime. Every iMessage model declares them (ModelInfo).
const AttackSurface& imessage_surface();
const AttackSurface& facetime_surface();
// Both, for a registry row.
std::vector<AttackSurface> apple_surfaces();

class MessagesApp {
 public:
  // force_icloud_backup: every party backs up to iCloud (imessage-icloud).
  explicit MessagesApp(bool force_icloud_backup);

  // The devices' files (history, keys the app stores), and iCloud Backup.
  platform::DeviceStorage& storage() { return storage_; }
  // CloudKit records, device files, backups.
  static void register_openers(OpenerRegistry& registry);

  // Tick 0, in order: the devices' data-protection and backup keys; then
  // for each party with iMessage on, each of its Apple devices registered in
  // IDS (`make_keys` makes that device's own keys first), then the party's
  // Messages in iCloud container key.
  void provision(Context& ctx, const std::function<void(NodeId device)>& make_keys);

  struct Target {
    const Party* party;  // the device's owner
    NodeId device;
  };
  // One copy of `plain` from the `sender` device to `target`: encrypt,
  // relay through APNs, let the device decrypt and keep() what it read.
  using SendCopy = std::function<void(NodeId sender, const Target& target, const ArtifactPtr& plain)>;
  // Sends `m`, typed on the sender's first registered device: that device
  // keeps it, `send_copy` runs for every registered device of every
  // recipient and then for the sender's own other devices, and Messages in
  // iCloud uploads it to each recipient's account, then to the sender's.
  // What iMessage cannot carry goes as SMS from the sender's phone, as the
  // Messages app does (docs/sources.md §4): everything, when the sender has
  // no device with iMessage on; to a recipient who is not on iMessage
  // (no Apple device); to one whose devices all have iMessage off, when the
  // sending phone's "Send as SMS" is on. Otherwise the recipient gets
  // nothing: Context::not_delivered, with a note saying why.
  void send(Context& ctx, const Message& m, const SendCopy& send_copy);

  // `device` keeps `plain` in its Messages history: in iCloud Backup, unless
  // Messages in iCloud holds the history instead.
  void keep(Context& ctx, const Party& owner, NodeId device, const ArtifactPtr& plain);
  // iCloud Backup of every device that has it.
  void end_of_tick(Context& ctx) { storage_.end_of_tick(ctx); }
  // A [[change]] (Model::settings_changed): iCloud Backup and ADP
  // (DeviceStorage), iMessage switched on or off on a device (it registers
  // in IDS with fresh keys, or deregisters), Messages in iCloud on or off,
  // and iCloud Backup off rolling the container key (docs/sources.md §1.4).
  void settings_changed(Context& ctx, const SettingsChange& change);

  // "the text of message 3 (alice -> bob)".
  static std::string plaintext_label(int message_id, const Message& m);

 private:
  void provision_container(Context& ctx, const Party& p);
  void fall_back(Context& ctx, const Message& m, const Party& from, const std::string& to,
                 std::vector<std::string>& by_sms);
  void send_as_sms(Context& ctx, const Message& m, const Party& from, const ArtifactPtr& plain,
                   const std::vector<std::string>& recipients, std::string_view why);
  void upload_to(Context& ctx, const Party& p, NodeId device, const ArtifactPtr& plain);
  void sync_container_key(Context& ctx, NodeId device, const ArtifactPtr& key);

  platform::DeviceStorage storage_;
  std::optional<sms::Carrier> carrier_;  // the SMS fallback, when the world has a carrier
  std::map<std::string, std::vector<NodeId>> registered_;  // IDS: party -> devices
  std::map<std::string, ArtifactPtr> containers_;          // party -> container key
  // party -> its history files kept out of backup while in the container
  std::map<std::string, std::vector<platform::FileHandle>> in_cloudkit_;
  std::function<void(NodeId device)> make_keys_;           // a device's own keys, as it registers
};

}  // namespace msgsim::imessage
