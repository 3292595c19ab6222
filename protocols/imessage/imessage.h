// protocols/imessage: Apple iMessage.
//
// imessage, imessage-icloud: iMessage as it ships today (PQ3, iOS 17.4): a
// session per pair of devices started from the receiver's pre-key in Apple's
// IDS directory, then a Double Ratchet; the device's signing key and
// pre-keys in its Secure Enclave (pq3.h). imessage-classic: the design
// before 2019 (long-term device keys, no forward secrecy), kept for the
// history lesson. What both share (IDS fan-out, history, Messages in iCloud,
// iCloud Backup): messages_app.h. How each works, its sources and every
// simplification: docs/models/imessage.md, imessage-icloud.md,
// imessage-classic.md (the same text as each ModelInfo::details).
#pragma once

#include "msgsim/model.h"

namespace msgsim {

const ModelInfo& imessage_model_info();
// The same model with iCloud Backup on for every party: the escrow case.
const ModelInfo& imessage_icloud_model_info();
// iMessage before 2019, for the history lesson; not what ships today.
const ModelInfo& imessage_classic_model_info();

}  // namespace msgsim
