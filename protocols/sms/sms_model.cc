#include "protocols/sms/sms_model.h"

#include <optional>

#include <fmt/format.h>

#include "protocols/platform/device_storage.h"
#include "protocols/sms/carrier.h"
#include "protocols/sms/model_details.h"

namespace msgsim {
namespace {

using platform::Backup;
using platform::DeviceStorage;

class SmsModel final : public Model {
 public:
  void register_openers(OpenerRegistry& registry) const override { DeviceStorage::register_openers(registry); }

  void provision(Context& ctx) override {
    storage_.provision(ctx);
    carrier_.emplace(ctx.world());
  }

  void send(Context& ctx, const Message& m) override {
    const World& w = ctx.world();
    const std::optional<NodeId> from = sms::phone_of(w, m.from);
    if (!from) {
      for (const std::string& to : m.to)
        ctx.not_delivered(m.id, to,
                          fmt::format("message {} was not sent: {} has no phone to send an SMS from.", m.id, m.from));
      return;
    }
    keep(ctx, *from, m);
    for (const std::string& to : m.to) {
      const std::vector<NodeId> phones = carrier_->send(ctx, *from, m, to);
      if (phones.empty()) {
        ctx.not_delivered(
            m.id, to, fmt::format("message {} was not delivered to {}: {} has no phone to receive an SMS.", m.id, to, to));
      }
      for (NodeId phone : phones) keep(ctx, phone, m);
    }
  }

  // iCloud Backup and ADP switched on or off (DeviceStorage).
  void settings_changed(Context& ctx, const SettingsChange& change) override {
    storage_.settings_changed(ctx, change);
  }
  void end_of_tick(Context& ctx) override { storage_.end_of_tick(ctx); }

 private:
  // The phone's messages history, in its iCloud Backup when that is on
  // (docs/sources.md §1.4).
  void keep(Context& ctx, NodeId phone, const Message& m) {
    storage_.write(ctx, phone,
                   make_plaintext(fmt::format("message {} in {}'s SMS history", m.id, ctx.world().node(phone).label),
                                  m.id, m.text),
                   Backup::kIncluded);
  }

  DeviceStorage storage_;
  std::optional<sms::Carrier> carrier_;
};

}  // namespace

std::unique_ptr<Model> make_sms_model() { return std::make_unique<SmsModel>(); }

const ModelInfo& sms_model_info() {
  static const ModelInfo info{
      .name = "sms",
      .summary = "SMS: text in clear from phone to phone through the carrier, which keeps a copy; in iCloud Backup on an iPhone",
      .details = sms::kModelDetails,
      // Apple is here because an iPhone's SMS history is in its iCloud Backup.
      .providers = {"carrier", "apple"},
      .surfaces = {},
      .settings = {"icloud_backup", "advanced_data_protection"},
      .make = &make_sms_model};
  return info;
}

}  // namespace msgsim
