// protocols/imessage: Apple iMessage, classic per-device fan-out design.
// See docs/models/imessage.md for how it works, sources and simplifications.
#pragma once

#include "msgsim/model.h"

namespace msgsim {

const ModelInfo& imessage_model_info();
// The same model with iCloud Backup on for every party: the escrow case.
const ModelInfo& imessage_icloud_model_info();

}  // namespace msgsim
