// The conformance suite's channel for the signal model
// (tests/protocols/conformance/channels.h): its receiving device on its own.
#include "protocols/signal/signal_model.h"
#include "tests/protocols/signal/x3dh_channel.h"

namespace msgsim::conformance {
namespace {

// signal (protocols/signal/signal_model.cc): X3DH with the account's
// identity on every device, files excluded from backups.
const bool registered = register_channel(
    "signal", X3dhChannel::factory(signal::protocol(), "signal", signal::X3dhAgreement::Identities::kPerAccount));

}  // namespace
}  // namespace msgsim::conformance
