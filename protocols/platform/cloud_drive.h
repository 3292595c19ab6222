// protocols/platform/cloud_drive.h: an app's files in its user's cloud
// drive, shared by every model: iCloud Drive for the apps of an Apple
// device, Google Drive for those of an Android phone.
//
// A file an app uploads goes from the device to the drive's provider
// ("apple", "google"), which stores it sealed under the account's service
// key for that drive (one per account and drive, made at its first upload).
// Whoever holds that key opens the file; nobody else does:
//   - iCloud Drive: under Standard Data Protection the service key is kept
//     in Apple's HSMs, so Apple's servers hold it (docs/sources.md §1.5: only
//     some categories are end-to-end encrypted by default). With Advanced
//     Data Protection on (a setting of the account; iCloud Drive is among the
//     categories it covers, §1.5) the key is on the account's trusted devices
//     only: Apple deletes its copy and keeps the files it cannot open. The
//     setting is read where and when the drive is used (a device's settings
//     in the world, at each upload and at the end of each tick), so a change
//     of it takes effect then; turning it off gives Apple the key again.
//   - Google Drive: Google holds the key (docs/sources.md §3: such backups
//     are "secured by the individual cloud-based storage services"); the
//     phone authenticates to Google and holds none.
// The device that uploads to iCloud Drive holds the key; the model leaves
// the account's other devices out (they add nothing a device could open).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "msgsim/model.h"

namespace msgsim::platform {

enum class Drive { kICloud, kGoogle };
// The drive a device kind's apps use: iCloud Drive on an iPhone, iPad or
// Mac, Google Drive on an Android phone.
Drive drive_of(DeviceKind kind);
std::string_view provider_of(Drive drive);  // "apple", "google"
std::string_view name_of(Drive drive);      // "iCloud Drive", "Google Drive"
// How labels name a party's account: its label, else its name.
std::string account_label(const Context& ctx, std::string_view party);

class CloudDrive {
 public:
  CloudDrive();
  ~CloudDrive();
  CloudDrive(CloudDrive&&) noexcept;
  CloudDrive& operator=(CloudDrive&&) noexcept;

  // `device` uploads `content` (an artifact as the app sees it: a plaintext,
  // a key, or a file the app sealed itself) to its owner's drive: the drive's
  // provider stores it sealed under the account's service key, labelled
  // "<what> from <device>, in <drive> (<content's label>)". Returns what the
  // provider stores. Throws std::logic_error when the provider's server is
  // not in the world (a model that uploads lists it in ModelInfo::providers).
  ArtifactPtr upload(Context& ctx, NodeId device, const Artifact& content, std::string_view what);
  // The provider deletes `stored`, a file `device` uploaded (replaced, or deleted).
  void remove(Context& ctx, NodeId device, const ArtifactPtr& stored);
  // Apple's copy of each iCloud Drive key follows its account's Advanced
  // Data Protection setting as it is now. Call from Model::end_of_tick.
  void end_of_tick(Context& ctx);

  static void register_openers(OpenerRegistry& registry);
  // Artifact types, for tests and experiments (erase_evidence).
  static constexpr const char* kDriveFile = "platform.cloud-drive-file";
  static constexpr const char* kICloudDriveKey = "platform.icloud-drive-key";
  static constexpr const char* kGoogleDriveKey = "platform.google-drive-key";

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace msgsim::platform
