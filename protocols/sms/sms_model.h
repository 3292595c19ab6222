// protocols/sms/sms_model.h: the `sms` protocol model.
//
// Every message as a text message (SMS) from the sender's phone through the
// carrier to the recipient's phones (carrier.h), kept in each phone's
// history and, on an iPhone with iCloud Backup on, in its backup. How it
// works, its sources and every simplification: docs/models/sms.md (the same
// text as sms_model_info().details).
#pragma once

#include <memory>

#include "msgsim/model.h"

namespace msgsim {

// The registry row for `sms` (name, summary, details, factory).
const ModelInfo& sms_model_info();
std::unique_ptr<Model> make_sms_model();

}  // namespace msgsim
