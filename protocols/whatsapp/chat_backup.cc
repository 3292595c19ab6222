#include "protocols/whatsapp/chat_backup.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "protocols/platform/codec.h"

namespace msgsim::whatsapp {

namespace {

constexpr std::string_view kNone = "none", kCloud = "cloud", kCloudE2ee = "cloud-e2ee";

// The user's password never leaves the user's memory: it is drawn here,
// turned into the key that wraps K, and wiped.
ArtifactPtr vault_entry(Context& ctx, const std::string& account, const Artifact& backup_key) {
  const SecretBytes password = ctx.rng().secret(16);
  const Bytes salt = ctx.rng().bytes(crypto::kPasswordSaltSize);
  const ArtifactPtr password_key =
      make_key("whatsapp.backup-password-key",
               fmt::format("the key from {}'s backup password", platform::account_label(ctx, account)),
               make_key_id("whatsapp.backup-password", salt),
               crypto::argon2id(password.view(), salt, crypto::kKeySize, kVaultPasswordCost));
  return platform::seal_envelope(ctx.rng(), *password_key, backup_key, ChatBackup::kVaultEntry,
                                 fmt::format("Backup Key Vault entry: {}, wrapped under the key from the password",
                                             backup_key.label));
}

}  // namespace

bool ChatBackup::backs_up(DeviceKind kind) { return kind == DeviceKind::kIphone || kind == DeviceKind::kAndroid; }

void ChatBackup::kept(const Context& ctx, NodeId device, const platform::FileHandle& file) {
  if (!backs_up(ctx.world().node(device).device)) return;
  Phone& phone = phones_[device];
  phone.history.push_back(file);
  if (!phone.pending) pending_.push_back(device);
  phone.pending = true;
}

void ChatBackup::settings_changed(const Context& ctx, const SettingsChange& change) {
  for (NodeId device : ctx.world().devices_of(change.party.name)) {
    const auto it = phones_.find(device);
    if (it == phones_.end() || it->second.pending) continue;
    pending_.push_back(device);
    it->second.pending = true;
  }
}

const ArtifactPtr& ChatBackup::backup_key(Context& ctx, NodeId phone, Phone& state) {
  const std::string& account = ctx.world().node(phone).owner;
  auto [it, made] = keys_.try_emplace(account);
  if (made) {
    const Bytes handle = ctx.rng().bytes(16);
    it->second = make_key(kBackupKey, fmt::format("{}'s WhatsApp backup key", platform::account_label(ctx, account)),
                          make_key_id("whatsapp.backup-key", handle), ctx.rng().secret(crypto::kKeySize));
    const auto vault = ctx.world().server("whatsapp");
    if (!vault) throw std::logic_error("end-to-end encrypted backups need the whatsapp provider in the world");
    const ArtifactPtr entry = vault_entry(ctx, account, *it->second);
    ctx.transmit(phone, *vault, entry);
    ctx.store(*vault, entry);
  }
  if (!state.holds_key) {
    storage_.write(ctx, phone, it->second, platform::Backup::kExcluded);
    state.holds_key = true;
  }
  return it->second;
}

void ChatBackup::end_of_tick(Context& ctx) {
  std::vector<NodeId> pending;
  pending.swap(pending_);
  std::sort(pending.begin(), pending.end());
  for (NodeId phone : pending) {
    Phone& state = phones_.at(phone);
    state.pending = false;
    const std::string& mode = ctx.world().node(phone).settings.whatsapp_backup;
    if (mode == kNone) continue;
    if (mode != kCloud && mode != kCloudE2ee) throw std::logic_error("whatsapp_backup: unknown mode " + mode);
    if (mode != state.mode) {
      // The new backup replaces the old one.
      for (const ArtifactPtr& old : state.in_cloud) drive_.remove(ctx, phone, old);
      state.in_cloud.clear();
      state.uploaded = 0;
      state.mode = mode;
    }
    for (; state.uploaded < state.history.size(); ++state.uploaded) {
      const ArtifactPtr message = storage_.read(ctx, state.history[state.uploaded]);
      if (!message) continue;  // deleted from the phone
      if (mode == kCloud) {
        state.in_cloud.push_back(drive_.upload(ctx, phone, *message, "WhatsApp chat backup"));
        continue;
      }
      const ArtifactPtr& k = backup_key(ctx, phone, state);
      const ArtifactPtr sealed = platform::seal_envelope(
          ctx.rng(), *k, *message, kBackupFile,
          fmt::format("end-to-end encrypted WhatsApp backup of {} ({})", ctx.world().node(phone).label,
                      message->label));
      state.in_cloud.push_back(drive_.upload(ctx, phone, *sealed, "WhatsApp chat backup"));
    }
  }
  drive_.end_of_tick(ctx);
}

void ChatBackup::register_openers(OpenerRegistry& registry) {
  registry.add(kBackupFile, platform::open_aead_envelope);
  registry.add(kVaultEntry, platform::open_aead_envelope);
  platform::CloudDrive::register_openers(registry);
}

}  // namespace msgsim::whatsapp
