// The conformance suite's channel for the whatsapp model
// (tests/protocols/conformance/channels.h): its receiving device on its own.
#include "protocols/whatsapp/whatsapp_model.h"
#include "tests/protocols/signal/x3dh_channel.h"

namespace msgsim::conformance {
namespace {

// whatsapp (protocols/whatsapp/whatsapp_model.cc): X3DH with each device's
// own identity, files excluded from iCloud Backup (the chat backup is the
// model's end-of-tick work, not the channel's).
const bool registered = register_channel(
    "whatsapp",
    X3dhChannel::factory(whatsapp::protocol(), "whatsapp", signal::X3dhAgreement::Identities::kPerDevice));

}  // namespace
}  // namespace msgsim::conformance
