// protocols/platform/device_storage.h: what the phone's operating system
// does with an app's files, shared by every model.
//
// Every device keeps a data-protection key (the stand-in for iOS's class
// keys / Android's file-based encryption key); an app file is stored on the
// device sealed under it, so whoever holds the unlocked device (its owner, a
// seizure, an exploit) opens it, and nobody else.
//
// iCloud Backup (docs/sources.md §1.4, §2.4): an iPhone or iPad with
// iCloud Backup on (a switch of each device) uploads, at the end of every
// tick, each app file that is not excluded from backup, sealed under the
// account's iCloud Backup service key. Under Standard Data Protection that
// key is escrowed in Apple's HSMs (docs/sources.md §1.4: "securely backed
// up to iCloud Hardware Security Modules"),
// so Apple holds it; a compelled Apple hands it over. With Advanced Data
// Protection on (a switch of the account, docs/sources.md §1.5) the key
// stays on the account's trusted devices only: Apple keeps the sealed
// backup and cannot open it. Files an app marks
// excluded (Signal: isExcludedFromBackup, docs/sources.md §2.4) never leave the
// device. Each new backup replaces the previous one on Apple's servers.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "msgsim/model.h"

namespace msgsim::platform {

enum class Backup { kIncluded, kExcluded };

// True for the devices iOS/iPadOS iCloud Backup covers: iPhones and iPads.
bool has_icloud_backup(DeviceKind kind);

struct FileHandle {
  NodeId device = 0;
  std::size_t index = 0;  // internal
};

class DeviceStorage {
 public:
  // force_icloud_backup: treat every party as having iCloud Backup on (the
  // imessage-icloud model's premise).
  explicit DeviceStorage(bool force_icloud_backup = false);
  ~DeviceStorage();
  DeviceStorage(DeviceStorage&&) noexcept;
  DeviceStorage& operator=(DeviceStorage&&) noexcept;

  // Creates each device's data-protection key and, for backed-up devices,
  // the account's iCloud Backup key (escrowed to "apple"). Call from
  // Model::provision. Needs the "apple" server in the world whenever a party
  // with an iPhone/iPad has iCloud Backup on.
  void provision(Context& ctx);

  // Stores `content` (a key or plaintext artifact as the app sees it) on
  // `device`, sealed under the device's data-protection key.
  FileHandle write(Context& ctx, NodeId device, ArtifactPtr content, Backup backup);
  // The file is no longer excluded from backup (Messages in iCloud turned
  // off: the history goes back into iCloud Backup).
  void include(Context& ctx, const FileHandle& file);
  // Deletes a file from the device (a backup already taken keeps it until the next one).
  void erase(Context& ctx, const FileHandle& file);
  // The app reads a file back: the device decrypts it under its
  // data-protection key through Context::open, so the closure, which opens
  // the same file for whoever holds it, reuses that opening and the very
  // artifact it yields. nullptr once the file is erased.
  ArtifactPtr read(Context& ctx, const FileHandle& file);

  // A [[change]] of the party's settings (call from Model::settings_changed):
  // a device whose iCloud Backup is switched on gets the account's backup
  // key (made now if the account had none) and its next backup carries
  // every file not excluded; one switched off stops backing up, and its
  // last backup stays at Apple. Advanced Data Protection switched on
  // deletes Apple's escrowed copy of the key; switched off, escrows it again.
  void settings_changed(Context& ctx, const SettingsChange& change);
  // True when one of the party's devices backed up just before `change`
  // (the account had a backup then), as backs_up() says of now.
  bool backed_up(const Context& ctx, const SettingsChange& change) const;

  // Runs iCloud Backup for every device that has it. Call from Model::end_of_tick.
  void end_of_tick(Context& ctx);

  // True when this device (an iPhone or iPad with iCloud Backup on, a
  // setting of each device) backs up to iCloud in this run.
  bool device_backs_up(const Context& ctx, NodeId device) const;
  // True when one of this party's devices backs up: the account then has an
  // iCloud Backup service key.
  bool backs_up(const Context& ctx, std::string_view party) const;

  static void register_openers(OpenerRegistry& registry);
  // Artifact types, for tests and experiments (erase_evidence).
  static constexpr const char* kDeviceFile = "platform.device-file";
  static constexpr const char* kBackupFile = "platform.icloud-backup-file";
  static constexpr const char* kBackupKey = "platform.icloud-backup-key";

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace msgsim::platform
