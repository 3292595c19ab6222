// protocols/whatsapp/chat_backup.h: WhatsApp's chat backup, as the
// account's whatsapp_backup setting says (docs/sources.md §3).
//
// A phone (iPhone, Android) keeps its chat history in its app files,
// excluded from the device's iCloud Backup; WhatsApp backs it up through
// its own mechanism instead, to the cloud drive of the phone's platform
// (platform::CloudDrive: iCloud Drive on an iPhone, Google Drive on an
// Android phone). At the end of each tick in which it wrote to its history,
// a phone backs up as its account's setting, read then from the world, says:
//   "cloud"       uploads the messages it wrote into its history since its
//                 last backup, as they are: the drive's service key is all
//                 that protects them (Apple's under Standard Data
//                 Protection, not under ADP; Google's always);
//   "cloud-e2ee"  seals them first under the account's backup key K, a
//                 random key the phone keeps in its app files. K itself is
//                 kept in WhatsApp's HSM-based Backup Key Vault (the
//                 "whatsapp" server), wrapped under a key derived from the
//                 user's password (Argon2id, the stand-in for the vault's
//                 OPAQUE exchange); the password is in the user's memory
//                 only, and the vault never hands K out. No provider, and no
//                 state that compels one, holds a key that opens these
//                 files; the phone does;
//   "none"        uploads nothing (a backup made before stays where it is).
// A change of mode, seen at the phone's next backup, replaces the backup:
// the phone uploads its whole history again the new way, and the drive
// deletes the old files. A companion device (iPad, Mac) makes no backup.
// (Backing up only the phones that wrote keeps a tick's work proportional
// to its messages, not to the phones of the run.)
#pragma once

#include <map>
#include <string>
#include <vector>

#include "msgsim/model.h"
#include "protocols/platform/cloud_drive.h"
#include "protocols/platform/device_storage.h"

namespace msgsim::whatsapp {

// The cost of the password hashing that guards K in the vault: small, so
// that a run with many accounts stays fast. What limits guessing in the real
// vault is the HSM's cap on attempts (docs/sources.md §3), not this cost.
inline constexpr crypto::PasswordHashCost kVaultPasswordCost{2, std::size_t{1} << 23};

class ChatBackup {
 public:
  // `storage` (the app's files) must outlive this.
  explicit ChatBackup(platform::DeviceStorage& storage) : storage_(storage) {}

  // True for the devices that make chat backups: iPhones and Android phones.
  static bool backs_up(DeviceKind kind);

  // `device` wrote `file`, a message, into its history.
  void kept(const Context& ctx, NodeId device, const platform::FileHandle& file);
  // A [[change]] of the party's settings: its phones back up at the end of
  // the tick, so that a new whatsapp_backup mode takes effect then (a plain
  // backup switched to end-to-end is replaced; switched to none, the last
  // backup stays). ADP reaches the drive at the end of the tick too.
  void settings_changed(const Context& ctx, const SettingsChange& change);
  // Every phone's backup, as its account's setting is now.
  void end_of_tick(Context& ctx);

  static void register_openers(OpenerRegistry& registry);
  // Artifact types, for tests and experiments (erase_evidence).
  static constexpr const char* kBackupFile = "whatsapp.e2ee-backup-file";
  static constexpr const char* kBackupKey = "whatsapp.backup-key";
  static constexpr const char* kVaultEntry = "whatsapp.backup-key-vault-entry";

 private:
  struct Phone {
    std::vector<platform::FileHandle> history;
    std::string mode;         // of the backup in the cloud; "" before the first
    std::size_t uploaded = 0;  // history[0, uploaded) is in it
    std::vector<ArtifactPtr> in_cloud;
    bool holds_key = false;  // K is in the phone's files
    bool pending = false;    // in pending_
  };
  // K of `phone`'s account: made at the account's first end-to-end
  // encrypted backup, wrapped into the vault; the phone keeps it.
  const ArtifactPtr& backup_key(Context& ctx, NodeId phone, Phone& state);

  platform::DeviceStorage& storage_;
  platform::CloudDrive drive_;
  std::map<NodeId, Phone> phones_;
  std::vector<NodeId> pending_;  // the phones that wrote to their history this tick
  std::map<std::string, ArtifactPtr> keys_;  // K, by account (party)
};

}  // namespace msgsim::whatsapp
