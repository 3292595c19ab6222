// The conformance suite's channels for the iMessage models
// (tests/protocols/conformance/channels.h): each model's receiving device on
// its own.
#include "protocols/imessage/pq3.h"
#include "tests/protocols/conformance/channels.h"

namespace msgsim::conformance {
namespace {

// imessage, imessage-icloud (protocols/imessage/imessage.cc): PQ3's initial
// key establishment, keys in the Secure Enclave, signed copies. The two
// models differ only in iCloud Backup, which no session file is part of.
class Pq3Channel final : public RatchetChannel {
 public:
  Pq3Channel(const ModelInfo& info, const Scenario& s, std::uint64_t seed)
      : RatchetChannel(info, s, seed, imessage::pq3_protocol()) {
    storage_.provision(*ctx_);
    for (NodeId d : {alice_, bob_}) agreement_.register_device(*ctx_, d);
    start(agreement_);
  }

 private:
  imessage::Pq3Agreement agreement_;
};

// imessage-classic (protocols/imessage/classic.cc).
std::unique_ptr<Channel> classic_channel(const ModelInfo& info, const Scenario& s, std::uint64_t seed) {
  return std::make_unique<StatelessChannel>(
      info, s, seed,
      "classic iMessage keeps no per-message state on the receiving device: each copy is sealed to the device's "
      "long-term encryption key, which opens it as often as it arrives (Apple's published design names no replay "
      "check; a de-duplication by the Messages app, if any, is outside the model)");
}

const bool registered = register_channel("imessage", make_channel<Pq3Channel>) &&
                        register_channel("imessage-icloud", make_channel<Pq3Channel>) &&
                        register_channel("imessage-classic", classic_channel);

}  // namespace
}  // namespace msgsim::conformance
