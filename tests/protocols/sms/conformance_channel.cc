// The conformance suite's declaration for the sms model
// (tests/protocols/conformance/channels.h): it has no channel, since it
// seals nothing in transit.
#include "tests/protocols/conformance/channels.h"

namespace msgsim::conformance {
namespace {

const bool registered = register_in_clear(
    "sms", "an SMS crosses the carrier's network as plain text, with no encryption or authentication of its own "
           "(docs/sources.md §4)");

}  // namespace
}  // namespace msgsim::conformance
