// The conformance suite's channel for the signal model
// (tests/protocols/conformance/channels.h): its receiving device on its own.
#include "protocols/signal/signal_model.h"
#include "protocols/signal/x3dh_agreement.h"
#include "tests/protocols/conformance/channels.h"

namespace msgsim::conformance {
namespace {

// signal (protocols/signal/signal_model.cc): X3DH, files excluded from backups.
class SignalChannel final : public RatchetChannel {
 public:
  SignalChannel(const ModelInfo& info, const Scenario& s, std::uint64_t seed)
      : RatchetChannel(info, s, seed, signal::protocol()),
        agreement_(signal::protocol(), "signal", storage_, platform::Backup::kExcluded) {
    storage_.provision(*ctx_);
    agreement_.provision(*ctx_);
    start(agreement_);
  }

 private:
  signal::X3dhAgreement agreement_;
};

const bool registered = register_channel("signal", make_channel<SignalChannel>);

}  // namespace
}  // namespace msgsim::conformance
