// protocols/whatsapp/whatsapp_model.h: the `whatsapp` protocol model.
//
// WhatsApp as it ships today: the Signal protocol (X3DH and the Double
// Ratchet, through signal::Messenger, messenger.h, as the signal model runs
// them) under WhatsApp's own names and server, each device with its own
// identity key and client fan-out (multi-device), the history in each
// device's app files, excluded from iCloud Backup, and the chat backup the
// account's whatsapp_backup setting asks for (chat_backup.h). How it works,
// its sources and every simplification: docs/models/whatsapp.md (the same
// text as whatsapp_model_info().details).
#pragma once

#include <memory>

#include "msgsim/model.h"
#include "protocols/ratchet/artifacts.h"

namespace msgsim {

namespace whatsapp {
// WhatsApp's ratchet names: types "whatsapp.*", libsignal's KDF labels (a
// stand-in: the whitepaper gives none), unsigned copies.
const ratchet::Protocol& protocol();
// The attack surface of a device running WhatsApp: every device kind.
const AttackSurface& surface();
}  // namespace whatsapp

// The registry row for `whatsapp` (name, summary, details, factory).
const ModelInfo& whatsapp_model_info();
std::unique_ptr<Model> make_whatsapp_model();

}  // namespace msgsim
