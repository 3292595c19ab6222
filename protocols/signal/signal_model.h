// protocols/signal/signal_model.h: the `signal` protocol model.
//
// Signal between the parties' devices: X3DH to start a session with each
// device (x3dh_agreement.h), the Double Ratchet for every message, one
// session per pair of devices (protocols/ratchet/pairwise_sessions.h), the
// Signal server holding public prekey bundles and queueing ciphertexts until
// delivery, each device's files (history, identity and prekeys, session
// state) kept through platform::DeviceStorage and excluded from iCloud
// Backup; all of it through signal::Messenger (messenger.h), which the
// whatsapp model shares. How it works, its sources and every simplification:
// docs/models/signal.md (the same text as signal_model_info().details).
#pragma once

#include <memory>

#include "msgsim/model.h"
#include "protocols/ratchet/artifacts.h"

namespace msgsim {

namespace signal {
// Signal's ratchet names: types "signal.*", libsignal's KDF labels, unsigned copies.
const ratchet::Protocol& protocol();
}  // namespace signal

// The registry row for `signal` (name, summary, details, factory).
const ModelInfo& signal_model_info();
std::unique_ptr<Model> make_signal_model();

}  // namespace msgsim
