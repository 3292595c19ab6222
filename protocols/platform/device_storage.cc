#include "protocols/platform/device_storage.h"

#include <algorithm>
#include <deque>
#include <map>

#include <fmt/format.h>

#include "protocols/platform/codec.h"

namespace msgsim::platform {

namespace {

ArtifactPtr new_key(Rng& rng, std::string type, std::string label) {
  const Bytes handle = rng.bytes(16);
  return make_key(std::move(type), std::move(label), make_key_id("platform.key", handle),
                  rng.secret(crypto::kKeySize));
}

}  // namespace

struct DeviceStorage::Impl {
  static constexpr std::uint32_t kNotBackedUp = UINT32_MAX;
  // A file as the device keeps it. A large run writes millions of files,
  // most of which no backup ever copies: 24 bytes each, in a deque (no spare
  // capacity of up to the whole list).
  struct File {
    ArtifactPtr on_device;  // sealed under the device's data-protection key; null once erased
    NodeId device;
    std::uint32_t backup = kNotBackedUp;  // index into `backups`, for a file iCloud Backup copies
  };
  // A file of a device that backs up.
  struct BackedUp {
    // What the app wrote, kept only until the next backup has copied it.
    ArtifactPtr content;
    ArtifactPtr in_backup;  // sealed under the backup key, once backed up
    NodeId device;
    bool alive = true;
  };
  bool force_backup = false;
  std::map<NodeId, ArtifactPtr> protection_keys;    // per device
  std::map<std::string, ArtifactPtr> backup_keys;   // per party (account)
  std::deque<File> files;
  std::deque<BackedUp> backups;
  // Backed-up files written or erased since the last backup (indices into
  // `backups`): iCloud Backup is incremental, and so is the work at the end
  // of a tick.
  std::vector<std::uint32_t> changed;
};

DeviceStorage::DeviceStorage(bool force_icloud_backup) : impl_(std::make_unique<Impl>()) {
  impl_->force_backup = force_icloud_backup;
}
DeviceStorage::~DeviceStorage() = default;
DeviceStorage::DeviceStorage(DeviceStorage&&) noexcept = default;
DeviceStorage& DeviceStorage::operator=(DeviceStorage&&) noexcept = default;

bool has_icloud_backup(DeviceKind kind) { return kind == DeviceKind::kIphone || kind == DeviceKind::kIpad; }

bool DeviceStorage::device_backs_up(const Context& ctx, NodeId device) const {
  const Node& d = ctx.world().node(device);
  return has_icloud_backup(d.device) && (impl_->force_backup || d.settings.icloud_backup);
}

bool DeviceStorage::backs_up(const Context& ctx, std::string_view party) const {
  const auto& devices = ctx.world().devices_of(party);
  return std::any_of(devices.begin(), devices.end(), [&](NodeId d) { return device_backs_up(ctx, d); });
}

void DeviceStorage::provision(Context& ctx) {
  const World& w = ctx.world();
  for (const Party* in_play : ctx.parties_to_provision()) {
    const Party& p = *in_play;
    for (NodeId d : w.devices_of(p.name)) {
      ArtifactPtr k = new_key(ctx.rng(), "platform.data-protection-key",
                              fmt::format("{}'s data-protection key", w.node(d).label));
      ctx.store(d, k);
      impl_->protection_keys.emplace(d, k);
    }
    if (!backs_up(ctx, p.name)) continue;
    const auto apple = w.server("apple");
    if (!apple) throw std::logic_error("iCloud Backup needs the apple provider in the world");
    ArtifactPtr bk = new_key(ctx.rng(), kBackupKey,
                             fmt::format("{}'s iCloud Backup service key", p.label.empty() ? p.name : p.label));
    // Standard Data Protection: the service key is escrowed in Apple's HSMs
    // (docs/sources.md §1.4), so Apple's servers hold it; the devices hold it
    // too. Advanced Data Protection, a switch of the account, leaves it on
    // the trusted devices only: Apple deletes the escrowed copy
    // (docs/sources.md §1.5). The backup still goes to Apple, sealed.
    if (!p.settings.advanced_data_protection) ctx.store(*apple, bk);
    for (NodeId d : w.devices_of(p.name))
      if (device_backs_up(ctx, d)) ctx.store(d, bk);
    impl_->backup_keys.emplace(p.name, bk);
  }
}

FileHandle DeviceStorage::write(Context& ctx, NodeId device, ArtifactPtr content, Backup backup) {
  const ArtifactPtr& dpk = impl_->protection_keys.at(device);
  ArtifactPtr sealed = seal_envelope(ctx.rng(), *dpk, *content, kDeviceFile,
                                     fmt::format("encrypted file on {} ({})", ctx.world().node(device).label,
                                                 content->label));
  ctx.store(device, sealed);
  Impl::File file{std::move(sealed), device, Impl::kNotBackedUp};
  if (backup == Backup::kIncluded && device_backs_up(ctx, device)) {
    if (impl_->backups.size() >= Impl::kNotBackedUp) throw std::length_error("too many backed-up files");
    file.backup = static_cast<std::uint32_t>(impl_->backups.size());
    impl_->backups.push_back({std::move(content), nullptr, device, true});
    impl_->changed.push_back(file.backup);
  }
  impl_->files.push_back(std::move(file));
  return FileHandle{device, impl_->files.size() - 1};
}

void DeviceStorage::erase(Context& ctx, const FileHandle& file) {
  Impl::File& f = impl_->files.at(file.index);
  if (!f.on_device) return;
  ctx.remove(f.device, f.on_device);
  f.on_device = nullptr;
  if (f.backup != Impl::kNotBackedUp) {
    impl_->backups[f.backup].alive = false;
    impl_->changed.push_back(f.backup);
  }
}

ArtifactPtr DeviceStorage::read(Context& ctx, const FileHandle& file) {
  const Impl::File& f = impl_->files.at(file.index);
  if (!f.on_device) return nullptr;
  const auto opened = ctx.open(f.device, f.on_device, {impl_->protection_keys.at(f.device)});
  return opened.size() == 1 ? opened.front() : nullptr;
}

void DeviceStorage::end_of_tick(Context& ctx) {
  const World& w = ctx.world();
  std::vector<std::uint32_t> changed;
  changed.swap(impl_->changed);
  for (std::uint32_t index : changed) {
    Impl::BackedUp& f = impl_->backups[index];
    // `backups` holds files of devices that back up only, and provision()
    // made a backup key for exactly the accounts that back up.
    const NodeId apple = *w.server("apple");
    if (!f.alive) {
      // The next backup no longer carries a deleted file.
      if (f.in_backup) ctx.remove(apple, f.in_backup);
      f.in_backup = nullptr;
      f.content = nullptr;
      continue;
    }
    if (f.in_backup) continue;  // incremental: already in the current backup
    const Node& dev = w.node(f.device);
    f.in_backup = seal_envelope(ctx.rng(), *impl_->backup_keys.at(dev.owner), *f.content, kBackupFile,
                                fmt::format("iCloud Backup of {} ({})", dev.label, f.content->label));
    f.content = nullptr;
    ctx.store(apple, f.in_backup);
    ctx.transmit(f.device, apple, f.in_backup);
  }
}

void DeviceStorage::register_openers(OpenerRegistry& registry) {
  registry.add(kDeviceFile, open_aead_envelope);
  registry.add(kBackupFile, open_aead_envelope);
}

}  // namespace msgsim::platform
