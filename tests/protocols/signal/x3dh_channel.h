// The conformance suite's channel (tests/protocols/conformance/channels.h)
// for a model built on signal::Messenger: X3DH and the pairwise sessions on
// their own, wired as the Messenger wires them (files excluded from
// backups). Used by the signal and whatsapp channels.
#pragma once

#include <memory>
#include <string>

#include "protocols/signal/x3dh_agreement.h"
#include "tests/protocols/conformance/channels.h"

namespace msgsim::conformance {

class X3dhChannel final : public RatchetChannel {
 public:
  X3dhChannel(const ModelInfo& info, const Scenario& s, std::uint64_t seed, const ratchet::Protocol& protocol,
              std::string server, signal::X3dhAgreement::Identities identities)
      : RatchetChannel(info, s, seed, protocol),
        agreement_(protocol, std::move(server), storage_, platform::Backup::kExcluded, identities) {
    storage_.provision(*ctx_);
    agreement_.provision(*ctx_);
    start(agreement_);
  }

  // The factory of a model's channel: its protocol, server and identities.
  static ChannelFactory factory(const ratchet::Protocol& protocol, std::string server,
                                signal::X3dhAgreement::Identities identities) {
    return [&protocol, server, identities](const ModelInfo& info, const Scenario& s, std::uint64_t seed) {
      return std::make_unique<X3dhChannel>(info, s, seed, protocol, server, identities);
    };
  }

 private:
  signal::X3dhAgreement agreement_;
};

}  // namespace msgsim::conformance
