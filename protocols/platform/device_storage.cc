#include "protocols/platform/device_storage.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

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
  // most of which no backup ever copies: 32 bytes each, in a deque (no spare
  // capacity of up to the whole list).
  struct File {
    ArtifactPtr on_device;  // sealed under the device's data-protection key; null once erased
    NodeId device;
    std::uint32_t backup = kNotBackedUp;  // index into `backups`, for a file iCloud Backup copies
    bool included = false;                 // not excluded from backup: copied whenever the device backs up
  };
  static_assert(sizeof(File) <= 32, "a device file's record is per file written: keep it small");
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

  // The account's iCloud Backup service key, made on first need: escrowed
  // at Apple under Standard Data Protection, on the trusted devices only
  // under Advanced Data Protection (docs/sources.md §1.4, §1.5).
  const ArtifactPtr& backup_key(Context& ctx, const Party& p);
  // `file` joins the next backup of its device (as a new file, or again
  // once the device backs up after a pause).
  void queue(Context& ctx, std::size_t file);
  bool backed_up(const Context& ctx, const SettingsChange& change, std::size_t device) const;
};

const ArtifactPtr& DeviceStorage::Impl::backup_key(Context& ctx, const Party& p) {
  if (const auto it = backup_keys.find(p.name); it != backup_keys.end()) return it->second;
  const auto apple = ctx.world().server("apple");
  if (!apple) throw std::logic_error("iCloud Backup needs the apple provider in the world");
  ArtifactPtr bk = new_key(ctx.rng(), kBackupKey,
                           fmt::format("{}'s iCloud Backup service key", p.label.empty() ? p.name : p.label));
  // Standard Data Protection: the service key is escrowed in Apple's HSMs
  // (docs/sources.md §1.4), so Apple's servers hold it; the devices hold it
  // too. Advanced Data Protection, a switch of the account, leaves it on
  // the trusted devices only: Apple deletes the escrowed copy
  // (docs/sources.md §1.5). The backup still goes to Apple, sealed.
  if (!ctx.world().party_settings(p.name).advanced_data_protection) ctx.store(*apple, bk);
  return backup_keys.emplace(p.name, std::move(bk)).first->second;
}

void DeviceStorage::Impl::queue(Context& ctx, std::size_t index) {
  File& f = files[index];
  if (f.backup == kNotBackedUp) {
    if (!f.on_device || !f.included) return;
    if (backups.size() >= kNotBackedUp) throw std::length_error("too many backed-up files");
    // What the app wrote, read back from the device as the backup reads it.
    const auto opened = ctx.open(f.device, f.on_device, {protection_keys.at(f.device)});
    if (opened.size() != 1) throw std::logic_error("a device cannot read its own file");
    f.backup = static_cast<std::uint32_t>(backups.size());
    backups.push_back({opened.front(), nullptr, f.device, true});
  }
  changed.push_back(f.backup);
}

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
    const ArtifactPtr& bk = impl_->backup_key(ctx, p);
    for (NodeId d : w.devices_of(p.name))
      if (device_backs_up(ctx, d)) ctx.store(d, bk);
  }
}

// Device number `device` of the party (World::devices_of order) backed up
// just before `change`.
bool DeviceStorage::Impl::backed_up(const Context& ctx, const SettingsChange& change, std::size_t device) const {
  const NodeId d = ctx.world().devices_of(change.party.name).at(device);
  return has_icloud_backup(ctx.world().node(d).device) &&
         (force_backup || change.devices_before.at(device).icloud_backup);
}

bool DeviceStorage::backed_up(const Context& ctx, const SettingsChange& change) const {
  for (std::size_t i = 0; i < change.devices_before.size(); ++i)
    if (impl_->backed_up(ctx, change, i)) return true;
  return false;
}

// iCloud Backup and Advanced Data Protection are switches the user can
// flip at any time (docs/sources.md §1.4, §1.5).
void DeviceStorage::settings_changed(Context& ctx, const SettingsChange& change) {
  const World& w = ctx.world();
  const Party& p = change.party;
  const auto& devices = w.devices_of(p.name);
  if (impl_->protection_keys.count(devices.front()) == 0) return;  // not provisioned: holds nothing
  // Backup switched on: the device gets the account's key, and its next
  // backup carries every file not excluded, as the first backup does.
  // (Switched off, it simply stops: the last backup stays at Apple.)
  std::set<NodeId> switched_on;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const NodeId d = devices[i];
    if (!device_backs_up(ctx, d) || impl_->backed_up(ctx, change, i)) continue;
    ctx.store(d, impl_->backup_key(ctx, p));
    switched_on.insert(d);
  }
  if (!switched_on.empty())  // one pass over the files, whatever the number of devices
    for (std::size_t f = 0; f < impl_->files.size(); ++f)
      if (switched_on.contains(impl_->files[f].device)) impl_->queue(ctx, f);
  const bool adp = w.party_settings(p.name).advanced_data_protection;
  const auto bk = impl_->backup_keys.find(p.name);
  if (adp == change.before.advanced_data_protection || bk == impl_->backup_keys.end()) return;
  // Advanced Data Protection on: Apple deletes its escrowed copy of the key
  // (docs/sources.md §1.5: "immediate, permanent, and irrevocable"); off:
  // the trusted devices escrow it with Apple again.
  const NodeId apple = *w.server("apple");
  if (adp) ctx.remove(apple, bk->second);
  else ctx.store(apple, bk->second);
}

FileHandle DeviceStorage::write(Context& ctx, NodeId device, ArtifactPtr content, Backup backup) {
  const ArtifactPtr& dpk = impl_->protection_keys.at(device);
  ArtifactPtr sealed = seal_envelope(ctx.rng(), *dpk, *content, kDeviceFile,
                                     fmt::format("encrypted file on {} ({})", ctx.world().node(device).label,
                                                 content->label));
  ctx.store(device, sealed);
  Impl::File file{std::move(sealed), device, Impl::kNotBackedUp, backup == Backup::kIncluded};
  if (file.included && device_backs_up(ctx, device)) {
    if (impl_->backups.size() >= Impl::kNotBackedUp) throw std::length_error("too many backed-up files");
    file.backup = static_cast<std::uint32_t>(impl_->backups.size());
    impl_->backups.push_back({std::move(content), nullptr, device, true});
    impl_->changed.push_back(file.backup);
  }
  impl_->files.push_back(std::move(file));
  return FileHandle{device, impl_->files.size() - 1};
}

void DeviceStorage::include(Context& ctx, const FileHandle& file) {
  Impl::File& f = impl_->files.at(file.index);
  if (f.included) return;
  f.included = true;
  if (device_backs_up(ctx, f.device)) impl_->queue(ctx, file.index);
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
    // A device whose backup was switched off sends none: its last backup
    // stays at Apple as it was, until the switch is on again (which queues
    // its files anew). Every account that backs up has a key by now.
    if (!device_backs_up(ctx, f.device)) continue;
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
