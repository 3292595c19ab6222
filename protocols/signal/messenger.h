// protocols/signal/messenger.h: an app that runs the Signal protocol, as
// the signal and whatsapp models share it.
//
// What both apps do the same way (docs/sources.md §2.1, §2.2, §3): X3DH
// (x3dh_agreement.h) starts a session per pair of devices, the Double
// Ratchet (protocols/ratchet/pairwise_sessions.h) runs it; the sender's
// first device encrypts one copy per device of the recipient and per other
// device of the sender (client fan-out); the app's server queues each copy
// until the device fetches it, then deletes it; every device keeps what it
// sent or decrypted in its history, an app file (platform::DeviceStorage).
// What differs comes in as parameters: the app's names and KDF labels
// (ratchet::Protocol), its server, whether its files go into iCloud Backup,
// and whose identity key a device uses (per account, or per device).
#pragma once

#include <functional>
#include <string>

#include "msgsim/model.h"
#include "protocols/platform/device_storage.h"
#include "protocols/ratchet/pairwise_sessions.h"
#include "protocols/signal/x3dh_agreement.h"

namespace msgsim::signal {

class Messenger {
 public:
  // `protocol` must outlive this. Every file the app writes (history, keys,
  // session state) is marked `files`.
  Messenger(const ratchet::Protocol& protocol, std::string server, platform::Backup files,
            X3dhAgreement::Identities identities);
  Messenger(const Messenger&) = delete;
  Messenger& operator=(const Messenger&) = delete;

  // The openers of `protocol`'s pieces and of the device files.
  static void register_openers(OpenerRegistry& registry, const ratchet::Protocol& protocol);

  // The devices' files (and their iCloud Backup, for files not excluded).
  platform::DeviceStorage& storage() { return storage_; }

  // Tick 0: the devices' storage keys, then each device's X3DH keys and its
  // registration at the server. Throws when the world has no such server.
  void provision(Context& ctx);

  // A device wrote a message into its history: `device`, the file.
  using Kept = std::function<void(NodeId device, const platform::FileHandle& file)>;
  // Sends `message` from its sender's first device to every device of the
  // recipient and to the sender's other devices, each copy relayed by the
  // server and decrypted by its device. Every history file written (the
  // sender's, then each device's that decrypted its copy) goes to `kept`,
  // when given.
  void send(Context& ctx, const Message& message, const Kept& kept = nullptr);

  // The devices' iCloud Backup (of the files not excluded).
  void end_of_tick(Context& ctx) { storage_.end_of_tick(ctx); }
  // A [[change]]: iCloud Backup and ADP switched on or off (DeviceStorage).
  void settings_changed(Context& ctx, const SettingsChange& change) { storage_.settings_changed(ctx, change); }

 private:
  void deliver(Context& ctx, NodeId from, NodeId to, const std::vector<ArtifactPtr>& pieces);

  const ratchet::Protocol& protocol_;
  std::string server_name_;
  platform::Backup files_;
  platform::DeviceStorage storage_;
  X3dhAgreement x3dh_;
  ratchet::PairwiseSessions sessions_;
  NodeId server_ = 0;
};

}  // namespace msgsim::signal
