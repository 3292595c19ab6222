// protocols/sms/model_details.h: the text of `msgsim list --details` for
// sms. docs/models/sms.md carries the same lines (a test checks it).
#pragma once

#include <string_view>

namespace msgsim::sms {

inline constexpr std::string_view kModelDetails = R"(SMS model (msgsim `sms`)

How it works
- Phones. An SMS goes from a phone number to a phone number: a party's iPhones and Android phones send and receive SMS; an iPad or a Mac has no number (Text Message Forwarding, which relays SMS through the owner's iPhone, is not modelled). The sender's first phone sends.
- The carrier (docs/sources.md §4). Every SMS is relayed by the built-in provider `carrier` (its country is set with a [[provider]] override, default US). There is no end-to-end encryption: the phone hands the text to the carrier's network, which carries it as it is to the recipient's phones. The carrier keeps a copy of the content: some carriers retain SMS content for a time, others do not (docs/sources.md §4); msgsim keeps it for the whole run, so a compelled carrier hands the messages over. US carriers must also be able to intercept in real time (CALEA, docs/sources.md §4): an `intercept` power on the carrier copies every SMS it relays.
- On the wire. The text crosses every link in clear (no transport encryption): a `tap` in the country of the sender, the carrier or the recipient reads it. The radio cipher between a phone and its base station (A5/x on GSM) is not modelled: it ends at the carrier, which holds its keys, and the carrier's network carries the text as it is beyond it.
- On the phones. Each phone keeps the SMS it sent or received in its messages history, a file sealed under the device's data-protection key (a seizure or an exploit of the phone reads it). On an iPhone the history is in iCloud Backup when that is on (docs/sources.md §1.4: the backup content includes "text (SMS), and MMS messages"), sealed under the account's iCloud Backup service key, which Apple holds under Standard Data Protection and not under Advanced Data Protection (docs/sources.md §1.5). So Apple, and whoever compels Apple, read SMS backed up from an iPhone. An Android phone's history stays on the phone.
- A recipient with no phone gets nothing: the message is "not delivered" in the report, with a note; a sender with no phone sends nothing.

What changed (December 2026)
- New model (issue 15): the article's claim that turning iMessage off, or writing to an Android friend, sends the conversation as SMS, readable by the carrier and by a tap. The iMessage models send their fallback through the same carrier code.

Simplifications
- One carrier for every party, in one country. Real phones each have their own carrier, and an SMS between two countries crosses both carriers' networks.
- With Messages in iCloud on, an iPhone's SMS history lives in the Messages in iCloud container instead of the backup, under a container key that iCloud Backup carries (docs/sources.md §1.4). This model keeps SMS in the backup itself: Apple's reach is the same (both need the backup's key), only the chain differs. The iMessage models, which send SMS as their fallback, do model the container.
- No delivery reports, no concatenated SMS, no MMS, no RCS (docs/sources.md §4: RCS is unencrypted on iPhone up to iOS 26.5, where end-to-end encrypted RCS is in beta).
- Android backups of SMS (to Google) are left out.

Left out
- SS7 and SIM-swap attacks, IMSI catchers, and the metadata carriers keep (who texted whom and when).)";

}  // namespace msgsim::sms
