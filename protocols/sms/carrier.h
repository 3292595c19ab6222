// protocols/sms/carrier.h: a text message (SMS) through the mobile carrier,
// as every phone sends one: the `sms` model's only channel, and the
// iMessage models' fallback (protocols/imessage/messages_app.h).
//
// SMS has no end-to-end encryption. The radio cipher (A5/x on GSM) ends at
// the carrier's base station and is run with keys the carrier holds; past
// it, the carrier's network carries the text as it is. msgsim sends it in
// clear on every link (Context::transmit_in_clear), so a tap on the route
// reads it, and the carrier relays it and keeps a copy, so an intercept or
// a compelled carrier reads it too (docs/sources.md §4: SMS is plain text
// to the carriers; some carriers keep SMS content for a time).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "msgsim/model.h"

namespace msgsim::sms {

// The one channel name of the reports: "sent as SMS".
inline constexpr std::string_view kChannel = "SMS";

// True for devices with a phone number, which send and receive SMS:
// iPhones and Android phones (an iPad or a Mac has none).
bool has_phone_number(DeviceKind kind);
// The party's first phone, if it has one.
std::optional<NodeId> phone_of(const World& world, std::string_view party);
// Every phone of the party, in device order.
std::vector<NodeId> phones_of(const World& world, std::string_view party);

class Carrier {
 public:
  // The "carrier" server of the world (std::logic_error without one).
  explicit Carrier(const World& world);

  // One SMS with the text of `m`, from the phone `from` to every phone of
  // party `to`, relayed by the carrier, which keeps a copy. Returns the
  // phones it reached: none when `to` has no phone.
  std::vector<NodeId> send(Context& ctx, NodeId from, const Message& m, std::string_view to) const;

 private:
  NodeId server_;
};

}  // namespace msgsim::sms
