#include "protocols/imessage/messages_app.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "protocols/platform/codec.h"

namespace msgsim::imessage {
namespace {

constexpr const char* kCloudKitRecordType = "imessage.cloudkit-record";

std::string who(const Party& p) { return p.label.empty() ? p.name : p.label; }

}  // namespace

MessagesApp::MessagesApp(bool force_icloud_backup) : storage_(force_icloud_backup) {}

void MessagesApp::register_openers(OpenerRegistry& registry) {
  registry.add(kCloudKitRecordType, platform::open_aead_envelope);
  platform::DeviceStorage::register_openers(registry);
}

const AttackSurface& imessage_surface() {
  static const AttackSurface s{"imessage", "iMessage", {DeviceKind::kIphone, DeviceKind::kIpad, DeviceKind::kMac},
                               "imessage"};
  return s;
}

const AttackSurface& facetime_surface() {
  static const AttackSurface s{"facetime", "FaceTime", {DeviceKind::kIphone, DeviceKind::kIpad, DeviceKind::kMac},
                               "facetime"};
  return s;
}

std::vector<AttackSurface> apple_surfaces() { return {imessage_surface(), facetime_surface()}; }

std::string MessagesApp::plaintext_label(int message_id, const Message& m) {
  return fmt::format("the text of message {} ({} -> {})", message_id, m.from, fmt::join(m.to, ", "));
}

// One CloudKit container key per account, synced only through iCloud
// Keychain (end-to-end: on the account's devices, never at Apple). iCloud
// Backup carries a copy of it (docs/sources.md §1.4, "Security of iCloud
// Backup": "The user's iCloud Backup retains a key to that container").
void MessagesApp::provision_container(Context& ctx, const Party& p) {
  auto devices = registered_.find(p.name);
  if (!ctx.world().party_settings(p.name).messages_in_icloud || devices == registered_.end()) return;
  const Bytes handle = ctx.rng().bytes(16);
  ArtifactPtr key = make_key("imessage.container-key", fmt::format("{}'s Messages in iCloud container key", who(p)),
                             make_key_id("imessage.container", handle), ctx.rng().secret(crypto::kKeySize));
  containers_.emplace(p.name, key);
  for (NodeId d : devices->second) sync_container_key(ctx, d, key);
}

// iCloud Keychain brings the container key to a device of the account; an
// iPhone or iPad keeps it in a file its iCloud Backup carries.
void MessagesApp::sync_container_key(Context& ctx, NodeId device, const ArtifactPtr& key) {
  ctx.store(device, key);
  if (platform::has_icloud_backup(ctx.world().node(device).device))
    storage_.write(ctx, device, key, platform::Backup::kIncluded);
}

void MessagesApp::provision(Context& ctx, const std::function<void(NodeId device)>& make_keys) {
  make_keys_ = make_keys;
  storage_.provision(ctx);
  if (ctx.world().server("carrier")) carrier_.emplace(ctx.world());
  const World& w = ctx.world();
  for (const Party* in_play : ctx.parties_to_provision()) {
    const Party& p = *in_play;
    for (NodeId d : w.devices_of(p.name)) {
      // iMessage is a switch of each device: one with it off registers nothing in IDS.
      if (!exposes(imessage_surface(), w.node(d).device, w.node(d).settings)) continue;
      make_keys(d);
      registered_[p.name].push_back(d);
    }
    provision_container(ctx, p);
  }
}

void MessagesApp::send(Context& ctx, const Message& m, const SendCopy& send_copy) {
  const Scenario& sc = ctx.scenario();
  const Party& from = *sc.find_party(m.from);
  auto sender = registered_.find(m.from);
  auto plain = make_plaintext(plaintext_label(m.id, m), m.id, m.text);
  if (sender == registered_.end()) {
    // No iMessage on the sender's devices: the Messages app on its phone
    // sends SMS (docs/sources.md §4).
    send_as_sms(ctx, m, from, plain, m.to,
                fmt::format("{} has no Apple device with iMessage on", m.from));
    return;
  }
  const NodeId typed_on = sender->second.front();
  keep(ctx, from, typed_on, plain);
  // Fan-out: every device of every recipient, and the sender's other devices.
  std::vector<Target> targets;
  std::vector<std::string> by_sms;
  for (const std::string& to : m.to) {
    auto it = registered_.find(to);
    if (it == registered_.end()) {
      fall_back(ctx, m, from, to, by_sms);
      continue;
    }
    for (NodeId d : it->second) targets.push_back({sc.find_party(to), d});
  }
  for (NodeId d : sender->second)
    if (d != typed_on) targets.push_back({&from, d});
  for (const Target& t : targets) send_copy(typed_on, t, plain);
  for (const std::string& to : m.to)
    if (const auto it = registered_.find(to); it != registered_.end())
      upload_to(ctx, *sc.find_party(to), it->second.front(), plain);
  upload_to(ctx, from, typed_on, plain);
  if (!by_sms.empty()) send_as_sms(ctx, m, from, nullptr, by_sms, {});
}

// A recipient with no device registered for iMessage. To someone who does
// not use iMessage at all (no Apple device: an Android phone) the Messages
// app sends SMS whatever the settings; to an iMessage user whose devices
// have iMessage off, the iMessage cannot be delivered, and it goes as SMS
// only when the sending iPhone's "Send as SMS" is on (docs/sources.md §4).
void MessagesApp::fall_back(Context& ctx, const Message& m, const Party& from, const std::string& to,
                            std::vector<std::string>& by_sms) {
  const World& w = ctx.world();
  const auto& devices = w.devices_of(to);
  const bool imessage_user = std::any_of(devices.begin(), devices.end(), [&](NodeId d) {
    const auto& kinds = imessage_surface().kinds;
    return std::find(kinds.begin(), kinds.end(), w.node(d).device) != kinds.end();
  });
  const std::optional<NodeId> phone = sms::phone_of(w, from.name);
  const std::string reason = imessage_user ? fmt::format("no device of {} has iMessage on", to)
                                           : fmt::format("{} does not use iMessage (no Apple device)", to);
  if (!phone) {
    ctx.not_delivered(m.id, to,
                      fmt::format("message {} was not delivered to {}: {}, and {} has no phone to send it as SMS.", m.id,
                                  to, reason, m.from));
    return;
  }
  if (imessage_user && !w.node(*phone).settings.sms_fallback) {
    ctx.not_delivered(m.id, to,
                      fmt::format("message {} was not delivered to {}: {}, and {}'s \"Send as SMS\" is off.", m.id, to,
                                  reason, m.from));
    return;
  }
  ctx.note(fmt::format("message {} went to {} as SMS: {}.", m.id, to, reason));
  by_sms.push_back(to);
}

// Sends `m` as SMS from the sender's phone to `recipients` (the Messages
// app keeps SMS in the same history as iMessages, docs/sources.md §1.4).
// `plain`: the sender's history copy still to keep (null when the iMessage
// send kept it already). `why` explains why nothing went over iMessage.
void MessagesApp::send_as_sms(Context& ctx, const Message& m, const Party& from, const ArtifactPtr& plain,
                              const std::vector<std::string>& recipients, std::string_view why) {
  const World& w = ctx.world();
  const std::optional<NodeId> phone = sms::phone_of(w, from.name);
  if (!phone || !carrier_) {
    for (const std::string& to : recipients)
      ctx.not_delivered(m.id, to, fmt::format("message {} was not sent: {}, and no phone to send it as SMS.", m.id, why));
    return;
  }
  if (!why.empty()) ctx.note(fmt::format("message {} went as SMS: {}.", m.id, why));
  if (plain) {
    keep(ctx, from, *phone, plain);
    upload_to(ctx, from, *phone, plain);
  }
  for (const std::string& to : recipients) {
    const std::vector<NodeId> reached = carrier_->send(ctx, *phone, m, to);
    if (reached.empty()) {
      ctx.not_delivered(m.id, to,
                        fmt::format("message {} was not delivered to {}: iMessage could not carry it, and {} has no "
                                    "phone to receive an SMS.",
                                    m.id, to, to));
      continue;
    }
    const Party& owner = *ctx.scenario().find_party(to);
    auto received = make_plaintext(plaintext_label(m.id, m), m.id, m.text);
    for (NodeId d : reached) keep(ctx, owner, d, received);
    upload_to(ctx, owner, reached.front(), received);
    ctx.delivered_as(m.id, to, std::string(sms::kChannel));
  }
}

// With Messages in iCloud on, the history is not in iCloud Backup (it lives
// in CloudKit); with it off, the history is part of the backup (docs/sources.md §1.4).
void MessagesApp::keep(Context& ctx, const Party& owner, NodeId device, const ArtifactPtr& plain) {
  if (containers_.count(owner.name) == 0) {
    storage_.write(ctx, device, plain, platform::Backup::kIncluded);
    return;
  }
  // Kept out of the backup while Messages in iCloud holds it: remembered,
  // where a setting may change, so that turning Messages in iCloud off puts
  // it back (settings_changed).
  const platform::FileHandle file = storage_.write(ctx, device, plain, platform::Backup::kExcluded);
  if (!ctx.scenario().changes.empty()) in_cloudkit_[owner.name].push_back(file);
}

void MessagesApp::settings_changed(Context& ctx, const SettingsChange& change) {
  storage_.settings_changed(ctx, change);
  const World& w = ctx.world();
  const Party& p = change.party;
  const auto& devices = w.devices_of(p.name);
  const PartySettings& now = w.party_settings(p.name);
  if (std::find(ctx.parties_to_provision().begin(), ctx.parties_to_provision().end(), &p) ==
      ctx.parties_to_provision().end())
    return;  // holds nothing, sends nothing
  // iMessage switched on or off on a device: it registers in IDS, or
  // deregisters (docs/sources.md §1.1); what no device takes goes as SMS.
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const NodeId d = devices[i];
    const bool was = exposes(imessage_surface(), w.node(d).device, change.devices_before[i]);
    const bool is = exposes(imessage_surface(), w.node(d).device, w.node(d).settings);
    if (was == is) continue;
    auto& registered = registered_[p.name];
    if (is) {
      make_keys_(d);
      registered.push_back(d);
      if (const auto c = containers_.find(p.name); c != containers_.end()) sync_container_key(ctx, d, c->second);
    } else {
      std::erase(registered, d);
    }
    if (registered.empty()) registered_.erase(p.name);
  }
  // Messages in iCloud on: a container (the history written from now on
  // goes there). Off: the history is kept in the backup again.
  if (now.messages_in_icloud && !change.before.messages_in_icloud) provision_container(ctx, p);
  if (!now.messages_in_icloud && change.before.messages_in_icloud) {
    containers_.erase(p.name);
    for (const platform::FileHandle& f : in_cloudkit_[p.name]) storage_.include(ctx, f);
    in_cloudkit_.erase(p.name);
  }
  // iCloud Backup off: "that container's key is rolled, the new key is
  // stored only in iCloud Keychain ... and new data written to the
  // container can't be decrypted with the old container key"
  // (docs/sources.md §1.4). The old backup keeps the old key.
  if (storage_.backed_up(ctx, change) && !storage_.backs_up(ctx, p.name) && containers_.count(p.name) != 0) {
    containers_.erase(p.name);
    provision_container(ctx, p);
  }
}

void MessagesApp::upload_to(Context& ctx, const Party& p, NodeId device, const ArtifactPtr& plain) {
  auto it = containers_.find(p.name);
  if (it == containers_.end()) return;
  const NodeId apple = *ctx.world().server("apple");
  ArtifactPtr record = platform::seal_envelope(
      ctx.rng(), *it->second, *plain, kCloudKitRecordType,
      fmt::format("Messages in iCloud record of message {} in {}'s account", plain->message_id, who(p)));
  ctx.store(apple, record);
  ctx.transmit(device, apple, record);
}

}  // namespace msgsim::imessage
