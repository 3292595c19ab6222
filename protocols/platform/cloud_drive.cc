#include "protocols/platform/cloud_drive.h"

#include <set>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "protocols/platform/codec.h"

namespace msgsim::platform {

Drive drive_of(DeviceKind kind) { return kind == DeviceKind::kAndroid ? Drive::kGoogle : Drive::kICloud; }
std::string_view provider_of(Drive drive) { return drive == Drive::kGoogle ? "google" : "apple"; }
std::string_view name_of(Drive drive) { return drive == Drive::kGoogle ? "Google Drive" : "iCloud Drive"; }

std::string account_label(const Context& ctx, std::string_view party) {
  for (const Party& p : ctx.scenario().parties)
    if (p.name == party) return p.label.empty() ? p.name : p.label;
  return std::string(party);
}

struct CloudDrive::Impl {
  // One account's service key for one drive.
  struct Account {
    ArtifactPtr key;
    NodeId device;             // the device that made it: whose (account) settings say ADP
    bool at_provider = false;  // the provider's servers hold the key
    std::set<NodeId> devices;  // the devices that hold it
  };
  std::map<std::pair<std::string, Drive>, Account> accounts;  // by (party, drive)

  static NodeId server(const Context& ctx, Drive drive) {
    const auto s = ctx.world().server(provider_of(drive));
    if (!s) throw std::logic_error(fmt::format("{} needs the {} provider in the world", name_of(drive), provider_of(drive)));
    return *s;
  }

  // Apple holds an iCloud Drive key unless the account has ADP on; Google
  // always holds a Google Drive key.
  static void follow_settings(Context& ctx, Drive drive, Account& a) {
    const bool provider_holds =
        drive == Drive::kGoogle || !ctx.world().node(a.device).settings.advanced_data_protection;
    if (provider_holds == a.at_provider) return;
    const NodeId s = server(ctx, drive);
    if (provider_holds) ctx.store(s, a.key);
    else ctx.remove(s, a.key);
    a.at_provider = provider_holds;
  }

  Account& account(Context& ctx, NodeId device) {
    const Node& d = ctx.world().node(device);
    const Drive drive = drive_of(d.device);
    auto [it, made] = accounts.try_emplace({d.owner, drive});
    Account& a = it->second;
    if (made) {
      const Bytes handle = ctx.rng().bytes(16);
      a.key = make_key(drive == Drive::kGoogle ? kGoogleDriveKey : kICloudDriveKey,
                       fmt::format("{}'s {} service key", account_label(ctx, d.owner), name_of(drive)),
                       make_key_id("platform.key", handle), ctx.rng().secret(crypto::kKeySize));
      a.device = device;
    }
    follow_settings(ctx, drive, a);
    // The trusted device that uploads holds the iCloud Drive key.
    if (drive == Drive::kICloud && a.devices.insert(device).second) ctx.store(device, a.key);
    return a;
  }
};

CloudDrive::CloudDrive() : impl_(std::make_unique<Impl>()) {}
CloudDrive::~CloudDrive() = default;
CloudDrive::CloudDrive(CloudDrive&&) noexcept = default;
CloudDrive& CloudDrive::operator=(CloudDrive&&) noexcept = default;

ArtifactPtr CloudDrive::upload(Context& ctx, NodeId device, const Artifact& content, std::string_view what) {
  const Node& d = ctx.world().node(device);
  const Drive drive = drive_of(d.device);
  const Impl::Account& a = impl_->account(ctx, device);
  ArtifactPtr stored = seal_envelope(ctx.rng(), *a.key, content, kDriveFile,
                                     fmt::format("{} from {}, in {} ({})", what, d.label, name_of(drive), content.label));
  const NodeId server = Impl::server(ctx, drive);
  ctx.transmit(device, server, stored);
  ctx.store(server, stored);
  return stored;
}

void CloudDrive::remove(Context& ctx, NodeId device, const ArtifactPtr& stored) {
  ctx.remove(Impl::server(ctx, drive_of(ctx.world().node(device).device)), stored);
}

void CloudDrive::end_of_tick(Context& ctx) {
  for (auto& [account, a] : impl_->accounts) Impl::follow_settings(ctx, account.second, a);
}

void CloudDrive::register_openers(OpenerRegistry& registry) { registry.add(kDriveFile, open_aead_envelope); }

}  // namespace msgsim::platform
